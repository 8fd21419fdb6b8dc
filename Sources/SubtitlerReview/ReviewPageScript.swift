extension ReviewPage {
    /// The first part of the page's script: reads the embedded document, builds the video's tracks, the
    /// summary table and the problem list. Every text from the document goes through `textContent`.
    static let scriptSetup = #"""
const startedAt = performance.now();
const data = JSON.parse(document.getElementById('review-data').textContent);
const parsedAt = performance.now();
const $ = (id) => document.getElementById(id);
const video = $('video');
const timeline = $('timeline');
const content = $('content');
const canvas = $('activity');
const layers = $('layers');
const cueLayer = $('cue-layer');
const problemLayer = $('problem-layer');
const cutLayer = $('cut-layer');
const playhead = $('playhead');
const details = $('details');

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** 3723456 → "1:02:03.456"; with `short`, no milliseconds. */
function clock(ms, short) {
  const negative = ms < 0;
  let rest = Math.round(Math.abs(ms));
  const millis = rest % 1000; rest = (rest - millis) / 1000;
  const secs = rest % 60; rest = (rest - secs) / 60;
  const mins = rest % 60; const hours = (rest - mins) / 60;
  const two = (n) => String(n).padStart(2, '0');
  let text = hours > 0 ? hours + ':' + two(mins) + ':' + two(secs) : mins + ':' + two(secs);
  if (!short) text += '.' + String(millis).padStart(3, '0');
  return (negative ? '-' : '') + text;
}

function number(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

if (data.version !== DOCUMENT_VERSION) {
  $('notice').textContent = 'The document is of version ' + data.version + '; this page reads version ' +
    DOCUMENT_VERSION + '.';
}

// ---- The model: cues and problems sorted by start, for the timeline's binary searches. --------------------
const cues = data.cues.slice().sort((a, b) => a.start - b.start || a.number - b.number);
const cueByNumber = new Map(data.cues.map((cue) => [cue.number, cue]));
const violationsByCue = new Map();
const problems = [];
for (const violation of data.violations) {
  const list = violationsByCue.get(violation.cueNumber) || [];
  problems.push({ kind: 'violation', start: violation.start, end: violation.end, rule: violation.rule,
                  row: list.length, item: violation });
  list.push(violation);
  violationsByCue.set(violation.cueNumber, list);
}
for (const dropped of data.dropped) {
  problems.push({ kind: 'dropped', start: dropped.start, end: dropped.end, rule: dropped.rule, row: 0, item: dropped });
}
for (const gap of data.gaps) {
  problems.push({ kind: 'gap', start: gap.start, end: gap.end, rule: 'gap', row: 0, item: gap });
}
const kindOrder = { gap: 0, dropped: 1, violation: 2 };
problems.sort((a, b) => a.start - b.start || kindOrder[a.kind] - kindOrder[b.kind] || a.row - b.row);
problems.forEach((problem, index) => { problem.id = index; });
const cuts = data.chunkCuts;
let lastEnd = 0;
for (const item of cues) lastEnd = Math.max(lastEnd, item.end);
for (const item of problems) lastEnd = Math.max(lastEnd, item.end);
const duration = Math.max(1000, data.media.duration, lastEnd);

function describeProblem(problem) {
  const item = problem.item;
  if (problem.kind === 'violation') {
    return item.rule + ': ' + number(item.value) + ' (limit ' + number(item.limit) + ') — ' + item.message;
  }
  if (problem.kind === 'dropped') return 'dropped (' + item.rule + '): “' + item.text + '”';
  return 'gap: ' + item.message;
}

// ---- The video and its tracks (WebVTT text → blob: URLs, so the page needs no other file). ----------------
document.title = 'Review: ' + data.media.fileName;
$('title').textContent = data.media.fileName;
if (data.media.source) video.src = data.media.source;
const defaultTrack = Math.max(0, data.tracks.findIndex((track) => track.isDefault));
data.tracks.forEach((track, index) => {
  const node = document.createElement('track');
  node.kind = track.kind;
  node.label = track.label;
  if (track.language) node.srclang = track.language;
  node.src = URL.createObjectURL(new Blob([track.webVTT], { type: 'text/vtt' }));
  if (index === defaultTrack) node.default = true;
  video.appendChild(node);
});
video.addEventListener('error', () => {
  $('notice').textContent = 'The video could not be played from ' + data.media.source +
    ' (move the page next to it or open the video at this path). The timeline still works.';
});

// ---- Summary table (two figures a row), warnings, problem list. ------------------------------------------
const summary = data.summary;
const summaryBody = $('summary').tBodies[0];
const figures = [];
function figure(label, value, className) { figures.push([label, String(value), className]); }
function cost(usd) {
  if (usd === null || usd === undefined) return 'unknown';
  return 'US$\u00a0' + (usd < 0.01 ? Number(usd).toFixed(4) : Number(usd).toFixed(2));
}
function counts(list) { return list.map((entry) => entry.rule + ' ' + entry.count).join(' · '); }
figure('Language', summary.language || 'unknown');
figure('Model', summary.model || 'unknown');
figure('Duration', clock(summary.audioDuration, true));
figure('Task', summary.task || 'unknown');
figure('Timing', summary.timing || 'unknown');
figure('Cues', summary.cueCount);
figure('Cues breaking the style', summary.cuesWithViolations, summary.cuesWithViolations > 0 ? 'bad' : null);
figure('Style violations', summary.violationCount, summary.violationCount > 0 ? 'bad' : null);
figure('Dropped segments', summary.droppedCount, summary.droppedCount > 0 ? 'bad' : null);
if (summary.gapCount > 0) figure('Gaps (failed chunks)', summary.gapCount, 'bad');
figure('Chunks', summary.chunkCount === null || summary.chunkCount === undefined ? 'unknown' : summary.chunkCount);
figure('Estimated cost', cost(summary.estimatedCost));
for (let index = 0; index < figures.length; index += 2) {
  const tr = element('tr');
  for (const [label, value, className] of figures.slice(index, index + 2)) {
    tr.appendChild(element('th', null, label));
    tr.appendChild(element('td', className, value));
  }
  summaryBody.appendChild(tr);
}
function wideRow(label, value) {
  const tr = element('tr');
  tr.appendChild(element('th', null, label));
  const td = element('td', null, value);
  td.colSpan = 3;
  tr.appendChild(td);
  summaryBody.appendChild(tr);
}
if (summary.violationsByRule.length) wideRow('Violations by rule', counts(summary.violationsByRule));
if (summary.droppedByRule.length) wideRow('Dropped by rule', counts(summary.droppedByRule));
const warnings = $('warnings');
for (const warning of summary.warnings) warnings.appendChild(element('li', null, warning));
$('headline').textContent = summary.cueCount + ' cues · ' + summary.violationCount + ' style violations · ' +
  summary.droppedCount + ' dropped · ' + clock(summary.audioDuration, true);

const problemList = $('problem-list');
$('problem-heading').textContent = 'Problems (' + problems.length + ')';
const problemItems = problems.map((problem) => {
  const li = element('li');
  li.dataset.problemRef = String(problem.id);
  li.appendChild(element('span', 'when', clock(problem.start)));
  li.appendChild(element('span', 'tag ' + problem.kind, problem.kind === 'violation' ? problem.rule : problem.kind));
  const text = { violation: () => problem.item.message, gap: () => problem.item.message,
                 dropped: () => '“' + problem.item.text + '” (' + problem.rule + ')' }[problem.kind]();
  li.appendChild(element('span', null, text));
  li.title = describeProblem(problem);
  return li;
});
for (const li of problemItems) problemList.appendChild(li);
if (problems.length === 0) problemList.appendChild(element('li', 'none', 'No style violations, dropped text or gaps.'));
"""#
}
