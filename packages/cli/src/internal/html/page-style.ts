/** The inspector page's stylesheet (inline: the page fetches nothing). */
export const PAGE_STYLE = `
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #f6f7f9;
  display: grid; grid-template-rows: auto 1fr; }
header { padding: 10px 16px; background: #1d2330; color: #f3f4f6; }
header h1 { margin: 0 0 4px; font-size: 16px; font-weight: 600; }
header h1 small { font-weight: 400; color: #aab2c0; margin-left: 8px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 18px; color: #cfd5df; }
.facts b { color: #fff; font-weight: 600; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 400px; min-height: 0; }
#graph-pane { display: grid; grid-template-rows: auto 1fr; min-height: 0; border-right: 1px solid #d8dce3; }
.toolbar { display: flex; gap: 10px; align-items: center; padding: 8px 12px; background: #fff; border-bottom: 1px solid #d8dce3; }
.toolbar input { flex: 0 1 340px; padding: 5px 8px; border: 1px solid #c3c9d3; border-radius: 4px; font: inherit; }
.toolbar .status { color: #5b6474; font-size: 12px; margin-left: auto; }
#graph { overflow: auto; position: relative; background-color: #fbfbfc;
  background-image: radial-gradient(#e3e6eb 1px, transparent 1px); background-size: 20px 20px; }
#canvas { display: block; }
.node { cursor: pointer; }
.node rect.box { stroke-width: 1.2; }
.node.input rect.box, .node.output rect.box { fill: #fff; stroke: #7a8494; stroke-dasharray: 4 3; }
.node text { font-size: 11.5px; fill: #1d2330; pointer-events: none; }
.node text.title { font-weight: 600; font-size: 12.5px; }
.node text.tactic { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 10.5px; fill: #3b4454; }
.node text.meta { fill: #5b6474; font-size: 10.5px; }
.node.match rect.box { stroke: #d97706; stroke-width: 2.5; }
.node.selected rect.box { stroke: #2563eb; stroke-width: 3; }
.edges path { fill: none; stroke: #a3abb8; stroke-width: 1.2; }
.edges path.active { stroke: #2563eb; stroke-width: 2.2; }
aside { overflow: auto; background: #fff; min-height: 0; }
aside section { padding: 12px 16px; border-bottom: 1px solid #e5e8ed; }
aside h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #5b6474; margin: 0 0 8px; }
aside h3 { font-size: 14px; margin: 0 0 6px; word-break: break-all; }
dl { display: grid; grid-template-columns: 90px 1fr; gap: 3px 8px; margin: 0 0 8px; }
dt { color: #5b6474; } dd { margin: 0; word-break: break-all; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 11.5px; }
ol, ul { margin: 4px 0 8px; padding-left: 20px; } li { word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8px; }
td, th { text-align: left; padding: 2px 6px 2px 0; vertical-align: top; font-size: 12px; word-break: break-all; }
th { color: #5b6474; font-weight: 500; }
a.jump { color: #2563eb; cursor: pointer; text-decoration: none; } a.jump:hover { text-decoration: underline; }
.chart text { font-size: 11px; fill: #1d2330; }
.chart .bar { fill: #e4572e; cursor: pointer; } .chart .bar:hover { fill: #b63a17; }
.chart .type-bar { fill: #4f7cac; }
.muted { color: #5b6474; }
`;
