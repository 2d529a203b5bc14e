"""A small self-contained GraphQL console served at GET /graphql in a browser.

The stock GraphiQL page loads React and GraphiQL from a CDN, which servers without internet (and
air-gapped deployments) cannot reach. This page has no external assets: a token field (kept in the
browser's localStorage), query and variables editors, and a result pane. Any GraphQL client works too.
"""

from __future__ import annotations

CONSOLE_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tkgmem GraphQL console</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; display: flex; flex-direction: column; height: 100vh; }
  header { padding: 8px 12px; background: #20232a; color: #eee; display: flex; gap: 12px; align-items: center; }
  header input { flex: 1; font-family: monospace; }
  main { flex: 1; display: flex; min-height: 0; }
  section { flex: 1; display: flex; flex-direction: column; padding: 8px; min-width: 0; }
  textarea, pre { flex: 1; font-family: ui-monospace, monospace; font-size: 13px; border: 1px solid #ccc;
    padding: 6px; margin: 0 0 8px 0; overflow: auto; white-space: pre; }
  #variables { flex: 0 0 20%; }
  button { font-size: 14px; padding: 4px 16px; }
  .status { color: #aaa; font-size: 12px; }
</style>
</head>
<body>
<header>
  <strong>tkgmem GraphQL</strong>
  <label for="token">API key</label>
  <input id="token" type="password" placeholder="tkg_... (sent as Authorization: Bearer)" autocomplete="off">
  <button id="run" title="Ctrl+Enter">Run</button>
  <span id="status" class="status"></span>
</header>
<main>
  <section>
    <label for="query">Query</label>
    <textarea id="query" spellcheck="false">query Now {
  me { tenant role }
  facts(first: 10) {
    totalCount
    basis { validAt asOf description }
    nodes { relation subject { name } objectName valid { text } }
  }
}</textarea>
    <label for="variables">Variables (JSON)</label>
    <textarea id="variables" spellcheck="false">{}</textarea>
  </section>
  <section>
    <label for="result">Result</label>
    <pre id="result"></pre>
  </section>
</main>
<script>
(function () {
  var token = document.getElementById("token");
  var query = document.getElementById("query");
  var variables = document.getElementById("variables");
  var result = document.getElementById("result");
  var status = document.getElementById("status");
  try { token.value = window.localStorage.getItem("tkgmem.token") || ""; } catch (e) {}
  function run() {
    var vars = {};
    try { vars = variables.value.trim() ? JSON.parse(variables.value) : {}; }
    catch (e) { result.textContent = "Variables are not valid JSON: " + e.message; return; }
    try { window.localStorage.setItem("tkgmem.token", token.value); } catch (e) {}
    status.textContent = "running…";
    result.setAttribute("data-state", "running");
    var started = performance.now();
    fetch(window.location.pathname, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "Authorization": "Bearer " + token.value.trim() },
      body: JSON.stringify({ query: query.value, variables: vars })
    }).then(function (r) {
      return r.text().then(function (text) { return [r.status, text]; });
    }).then(function (pair) {
      var text = pair[1];
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
      result.textContent = text;
      status.textContent = "HTTP " + pair[0] + " in " + Math.round(performance.now() - started) + " ms";
      result.setAttribute("data-state", "done");
    }).catch(function (e) {
      result.textContent = "Request failed: " + e;
      result.setAttribute("data-state", "done");
    });
  }
  document.getElementById("run").addEventListener("click", run);
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); run(); }
  });
})();
</script>
</body>
</html>
"""
