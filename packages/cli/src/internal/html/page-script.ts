/**
 * The inspector page's script (inline, no dependencies). It draws only the graph rows near the
 * visible part of the canvas and redraws on scroll, so a plan of thousands of layers stays
 * responsive. Plain ES2020 without template literals (this file is itself one).
 */
export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('kiln-data').textContent);
  var layout = data.layout, nodes = layout.nodes, edges = layout.edges, levels = layout.levels, size = layout.node;
  var NS = 'http://www.w3.org/2000/svg';
  var pane = document.getElementById('graph');
  var svg = document.getElementById('canvas');
  var status = document.getElementById('draw-status');
  var rowHeight = size.height + size.rowGap;
  svg.setAttribute('width', layout.width);
  svg.setAttribute('height', layout.height);
  var edgeLayer = make('g', { 'class': 'edges' });
  var nodeLayer = make('g', { 'class': 'nodes' });
  svg.appendChild(edgeLayer);
  svg.appendChild(nodeLayer);
  var shownNodes = new Map(), shownEdges = new Map();
  var selected = -1, matches = [], matchSet = new Set(), matchCursor = -1;
  var consumers = nodes.map(function () { return []; }), producers = nodes.map(function () { return []; });
  edges.forEach(function (edge, index) { consumers[edge[0]].push(index); producers[edge[1]].push(index); });
  var maxMs = nodes.reduce(function (max, node) { return node.ms > max ? node.ms : max; }, 0);
  var totalMs = nodes.reduce(function (sum, node) { return sum + (node.ms || 0); }, 0);

  function make(tag, attributes, text) {
    var element = document.createElementNS(NS, tag);
    for (var key in attributes) element.setAttribute(key, attributes[key]);
    if (text !== undefined) element.textContent = text;
    return element;
  }
  function html(tag, text, className) {
    var element = document.createElement(tag);
    if (text !== undefined) element.textContent = text;
    if (className) element.className = className;
    return element;
  }
  function dims(tensor) { return tensor.dtype + ' [' + tensor.dims.join(', ') + ']'; }
  function clip(text, length) { return text.length > length ? text.slice(0, length - 1) + '…' : text; }
  function hue(type) {
    var hash = 0;
    for (var i = 0; i < type.length; i++) hash = (hash * 31 + type.charCodeAt(i)) % 360;
    return hash;
  }
  function ms(value) { return value >= 1 ? value.toFixed(2) + ' ms' : (value * 1000).toFixed(1) + ' µs'; }

  function drawNode(id) {
    var node = nodes[id];
    var group = make('g', { 'class': 'node ' + node.kind, transform: 'translate(' + node.x + ',' + node.y + ')', 'data-id': id });
    var h = hue(node.type);
    group.appendChild(make('title', {}, node.name));
    group.appendChild(make('rect', { 'class': 'box', width: size.width, height: size.height, rx: 6,
      fill: node.kind === 'layer' ? 'hsl(' + h + ',60%,95%)' : '#fff', stroke: 'hsl(' + h + ',40%,55%)' }));
    var title = node.type + (node.sources.length > 1 ? '  ·  ' + node.sources.length + ' ONNX nodes' : '');
    if (node.kind !== 'layer') title = node.type + ': ' + node.name;
    group.appendChild(make('text', { 'class': 'title', x: 10, y: 18 }, clip(title, 32)));
    var second = node.kind === 'layer' ? node.tactic + (node.epilogue.length ? ' + ' + node.epilogue.join('+') : '') : '';
    group.appendChild(make('text', { 'class': 'tactic', x: 10, y: 35 }, clip(second, 36)));
    var tensor = node.outputs[0] || node.inputs[0];
    var meta = tensor ? dims(tensor) : '';
    if (node.ms !== undefined) meta = ms(node.ms) + '  ·  ' + meta;
    group.appendChild(make('text', { 'class': 'meta', x: 10, y: 53 }, clip(meta, 38)));
    if (node.ms !== undefined && maxMs > 0) {
      var share = node.ms / maxMs;
      group.appendChild(make('rect', { x: 0, y: size.height - 5, width: Math.max(2, share * size.width), height: 5, rx: 2,
        fill: 'rgba(228,87,46,' + (0.35 + 0.65 * share).toFixed(3) + ')' }));
    }
    if (id === selected) group.classList.add('selected');
    if (matchSet.has(id)) group.classList.add('match');
    group.addEventListener('click', function () { select(id, false); });
    return group;
  }

  function drawEdge(index) {
    var edge = edges[index], from = nodes[edge[0]], to = nodes[edge[1]];
    var x1 = from.x + size.width / 2, y1 = from.y + size.height, x2 = to.x + size.width / 2, y2 = to.y;
    var bend = Math.max(20, (y2 - y1) / 2);
    var path = make('path', { d: 'M' + x1 + ',' + y1 + ' C' + x1 + ',' + (y1 + bend) + ' ' + x2 + ',' + (y2 - bend) + ' ' + x2 + ',' + y2 });
    path.appendChild(make('title', {}, edge[2]));
    if (selected === edge[0] || selected === edge[1]) path.classList.add('active');
    return path;
  }

  function render() {
    var top = pane.scrollTop - pane.clientHeight, bottom = pane.scrollTop + 2 * pane.clientHeight;
    var first = Math.max(0, Math.floor(top / rowHeight)), last = Math.min(levels.length - 1, Math.floor(bottom / rowHeight));
    var wanted = new Set();
    for (var level = first; level <= last; level++) levels[level].forEach(function (id) { wanted.add(id); });
    shownNodes.forEach(function (element, id) { if (!wanted.has(id)) { element.remove(); shownNodes.delete(id); } });
    wanted.forEach(function (id) { if (!shownNodes.has(id)) { var element = drawNode(id); nodeLayer.appendChild(element); shownNodes.set(id, element); } });
    var wantedEdges = new Set();
    edges.forEach(function (edge, index) {
      if (nodes[edge[1]].level >= first && nodes[edge[0]].level <= last) wantedEdges.add(index);
    });
    shownEdges.forEach(function (element, index) { if (!wantedEdges.has(index)) { element.remove(); shownEdges.delete(index); } });
    wantedEdges.forEach(function (index) { if (!shownEdges.has(index)) { var element = drawEdge(index); edgeLayer.appendChild(element); shownEdges.set(index, element); } });
    status.textContent = 'Levels ' + (first + 1) + '–' + (last + 1) + ' of ' + levels.length + ' drawn (' + shownNodes.size + ' of ' + nodes.length + ' boxes)';
  }
  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; render(); });
  }
  pane.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', schedule);

  function refreshClasses() {
    shownNodes.forEach(function (element, id) {
      element.classList.toggle('selected', id === selected);
      element.classList.toggle('match', matchSet.has(id));
    });
    shownEdges.forEach(function (element, index) {
      element.classList.toggle('active', edges[index][0] === selected || edges[index][1] === selected);
    });
  }

  function select(id, scroll) {
    selected = id;
    refreshClasses();
    showDetails(id);
    if (scroll) {
      var node = nodes[id];
      pane.scrollTo({ top: Math.max(0, node.y + size.height / 2 - pane.clientHeight / 2), left: Math.max(0, node.x + size.width / 2 - pane.clientWidth / 2) });
      render();
    }
  }

  function jump(id, label) {
    var link = html('a', label, 'jump');
    link.addEventListener('click', function () { select(id, true); });
    return link;
  }

  function showDetails(id) {
    var node = nodes[id], box = document.getElementById('details');
    box.textContent = '';
    box.appendChild(html('h2', node.kind === 'layer' ? 'Layer ' + node.layer : node.kind === 'input' ? 'Engine input' : 'Engine output'));
    box.appendChild(html('h3', node.name));
    var list = html('dl');
    function row(term, value, mono) { list.appendChild(html('dt', term)); list.appendChild(html('dd', value, mono ? 'mono' : '')); }
    row('type', node.type);
    if (node.kind === 'layer') {
      row('tactic', node.tactic, true);
      if (node.epilogue.length) row('epilogue', node.epilogue.join(' + '), true);
      if (node.ms !== undefined) row('time', ms(node.ms) + ' per run (' + (totalMs > 0 ? (100 * node.ms / totalMs).toFixed(1) : '0') + '% of all layers)');
    }
    box.appendChild(list);
    if (node.kind === 'layer') {
      box.appendChild(html('h2', 'Fused ONNX nodes (' + node.sources.length + ')'));
      var sources = html('ol');
      node.sources.forEach(function (source) { sources.appendChild(html('li', source, 'mono')); });
      box.appendChild(sources);
    }
    [['Inputs', node.inputs, producers[id], 0], ['Outputs', node.outputs, consumers[id], 1]].forEach(function (part) {
      if (part[1].length === 0) return;
      box.appendChild(html('h2', part[0]));
      var table = html('table');
      part[1].forEach(function (tensor) {
        var tr = html('tr');
        tr.appendChild(html('td', tensor.name, 'mono'));
        tr.appendChild(html('td', dims(tensor), 'mono'));
        var links = html('td');
        part[2].forEach(function (edgeIndex) {
          var edge = edges[edgeIndex];
          if (edge[2] !== tensor.name) return;
          var other = edge[part[3] === 0 ? 0 : 1];
          links.appendChild(jump(other, (part[3] === 0 ? '← ' : '→ ') + clip(nodes[other].name, 28)));
          links.appendChild(html('br'));
        });
        tr.appendChild(links);
        table.appendChild(tr);
      });
      box.appendChild(table);
    });
  }

  var search = document.getElementById('search'), searchStatus = document.getElementById('search-status');
  search.addEventListener('input', function () {
    var query = search.value.trim().toLowerCase();
    matches = [];
    if (query) nodes.forEach(function (node, id) {
      var text = (node.name + ' ' + node.type + ' ' + node.tactic + ' ' + node.sources.join(' ')).toLowerCase();
      if (text.indexOf(query) >= 0) matches.push(id);
    });
    matchSet = new Set(matches);
    matchCursor = -1;
    searchStatus.textContent = query ? matches.length + ' match' + (matches.length === 1 ? '' : 'es') + (matches.length ? ' (Enter: next)' : '') : '';
    refreshClasses();
  });
  search.addEventListener('keydown', function (event) {
    if (event.key !== 'Enter' || matches.length === 0) return;
    matchCursor = (matchCursor + 1) % matches.length;
    select(matches[matchCursor], true);
  });

  function barChart(title, rows, className) {
    var section = document.getElementById('profile');
    section.appendChild(html('h2', title));
    var labelWidth = 150, barWidth = 140, rowH = 18;
    var chart = make('svg', { 'class': 'chart', width: labelWidth + barWidth + 60, height: rows.length * rowH + 4 });
    var max = rows.reduce(function (m, r) { return r.ms > m ? r.ms : m; }, 0) || 1;
    rows.forEach(function (r, i) {
      var y = i * rowH + 2;
      var label = make('text', { x: labelWidth - 6, y: y + 12, 'text-anchor': 'end' }, r.label.length > 22 ? '…' + r.label.slice(-21) : r.label);
      label.appendChild(make('title', {}, r.label));
      chart.appendChild(label);
      var bar = make('rect', { 'class': className, x: labelWidth, y: y, width: Math.max(1, (r.ms / max) * barWidth), height: rowH - 5, rx: 2 });
      bar.appendChild(make('title', {}, r.label + ': ' + ms(r.ms)));
      if (r.id !== undefined) bar.addEventListener('click', function () { select(r.id, true); });
      chart.appendChild(bar);
      chart.appendChild(make('text', { x: labelWidth + Math.max(1, (r.ms / max) * barWidth) + 4, y: y + 12 }, ms(r.ms)));
    });
    section.appendChild(chart);
  }

  if (data.profile) {
    var timed = [];
    nodes.forEach(function (node, id) { if (node.ms !== undefined) timed.push({ id: id, label: node.name, ms: node.ms }); });
    timed.sort(function (a, b) { return b.ms - a.ms; });
    var byType = new Map();
    timed.forEach(function (t) { var type = nodes[t.id].type; byType.set(type, (byType.get(type) || 0) + t.ms); });
    var types = Array.from(byType, function (entry) { return { label: entry[0], ms: entry[1] }; }).sort(function (a, b) { return b.ms - a.ms; });
    document.getElementById('profile-summary').textContent = 'Sum of layer times: ' + ms(totalMs) + ' per run, averaged over ' + data.profile.count + ' runs; ' + timed.length + ' of ' + data.layerCount + ' layers timed.';
    barChart('Slowest layers', timed.slice(0, 25), 'bar');
    barChart('Time by layer type', types, 'bar type-bar');
  }

  render();
  var slowest = -1;
  nodes.forEach(function (node, id) { if (node.ms !== undefined && (slowest < 0 || node.ms > nodes[slowest].ms)) slowest = id; });
  select(slowest >= 0 ? slowest : nodes.findIndex(function (node) { return node.kind === 'layer'; }), false);
  document.body.setAttribute('data-ready', 'true');
})();
`;
