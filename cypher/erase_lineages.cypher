// name: erase_lineages
// Deletes every version of the given lineages for real; returns how many versions went.
// params: $tenant STRING, $lineage_ids LIST<STRING>
UNWIND $lineage_ids AS lid
MATCH (v:Version {tenant: $tenant, lineage_id: lid})
WITH lid, v
DETACH DELETE v
RETURN count(lid) AS versions
