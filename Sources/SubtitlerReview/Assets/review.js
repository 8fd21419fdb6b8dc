// @ts-check
// The review page's script. scripts/generate/review-assets inlines it into review.html (ReviewAssets.script);
// the page reads the document from #review-data and the version it understands from
// <html data-document-version>. The first part holds the pure functions (no DOM, no page state): node's tests in
// Tests/ReviewScriptTests load this file, find no `document`, and take them from `module.exports`.
(() => {
'use strict';

// ==== Pure functions ======================================================================================

/** Lanes: a lane is painted on the canvas ("condensed") with more marks than `MAX_MARKS`, or more than
 * `FEW_MARKS` of which the typical one is narrower than `MIN_MARK_WIDTH` pixels. */
const MAX_MARKS = 4000, FEW_MARKS = 500, MIN_MARK_WIDTH = 2;
/** Ruler steps (milliseconds); the ruler takes the first at least `TICK_SPACING` pixels apart. */
const TICKS = [100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000,
               1800000, 3600000];
const TICK_SPACING = 90;
/** The largest zoom: a millisecond a pixel, and never a timeline wider than this many pixels. */
const MAX_CONTENT_WIDTH = 16e6;

/**
 * @typedef {{start: number, end: number}} Timed
 * @typedef {{kind: 'violation' | 'dropped' | 'gap' | 'omission', start: number, end: number, rule: string, row: number,
 *            item: any, id: number}} Problem
 * @typedef {{items: Timed[], longest: number}} Searchable
 * @typedef {{number: number, start: number, end: number, status: string, speaker?: string | null, lines: string[],
 *            rules: string[]}} Cue
 */

/** 3723456 → "1:02:03.456"; with `short`, no milliseconds.
 * @param {number} ms
 * @param {boolean} [short]
 */
function clock(ms, short) {
  const negative = ms < 0;
  let rest = Math.round(Math.abs(ms));
  const millis = rest % 1000; rest = (rest - millis) / 1000;
  const secs = rest % 60; rest = (rest - secs) / 60;
  const mins = rest % 60; const hours = (rest - mins) / 60;
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  let text = hours > 0 ? hours + ':' + two(mins) + ':' + two(secs) : mins + ':' + two(secs);
  if (!short) text += '.' + String(millis).padStart(3, '0');
  return (negative ? '-' : '') + text;
}

/** An integer as it is, any other finite number with one decimal, anything else as text.
 * @param {unknown} value
 */
function number(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** US dollars: four decimals under a cent, two above; `unknown` without a figure.
 * @param {number | null | undefined} usd
 */
function cost(usd) {
  if (usd === null || usd === undefined) return 'unknown';
  return 'US$\u00a0' + (usd < 0.01 ? Number(usd).toFixed(4) : Number(usd).toFixed(2));
}

/** @param {{rule: string, count: number}[]} list */
function counts(list) { return list.map((entry) => entry.rule + ' ' + entry.count).join(' · '); }

/** The cues sorted by start (then number), for the timeline's binary searches.
 * @param {Cue[]} list
 */
function sortedCues(list) { return list.slice().sort((a, b) => a.start - b.start || a.number - b.number); }

/** What each kind of omission means, for the problem list and the details.
 * @type {Record<string, string>} */
const OMISSION_TEXT = {
  'left-out-sound': 'left out of the upload: loud, but no speech was detected there',
  'empty-join': 'speech beside a join in the upload came back without words',
  'empty-answer': 'an upload with speech came back without words',
};

/**
 * Violations, dropped text, gaps and omissions as one list sorted by start; at the same start a gap comes first,
 * then omissions, dropped text, then violations in their order on the cue. A violation's `row` is its place among
 * its cue's violations; `id` is the problem's place in the list. Also the violations of each cue, by cue number.
 * @param {{violations: any[], dropped: any[], gaps: any[], omissions?: any[] | null}} document
 */
function buildProblems(document) {
  /** @type {Map<number, any[]>} */
  const violationsByCue = new Map();
  /** @type {Problem[]} */
  const problems = [];
  for (const violation of document.violations) {
    const list = violationsByCue.get(violation.cueNumber) || [];
    problems.push({ kind: 'violation', start: violation.start, end: violation.end, rule: violation.rule,
                    row: list.length, item: violation, id: -1 });
    list.push(violation);
    violationsByCue.set(violation.cueNumber, list);
  }
  for (const dropped of document.dropped) {
    problems.push({ kind: 'dropped', start: dropped.start, end: dropped.end, rule: dropped.rule, row: 0, item: dropped,
                    id: -1 });
  }
  for (const gap of document.gaps) {
    problems.push({ kind: 'gap', start: gap.start, end: gap.end, rule: 'gap', row: 0, item: gap, id: -1 });
  }
  for (const omission of document.omissions || []) {
    problems.push({ kind: 'omission', start: omission.start, end: omission.end, rule: omission.kind, row: 0,
                    item: omission, id: -1 });
  }
  const kindOrder = { gap: 0, omission: 1, dropped: 2, violation: 3 };
  problems.sort((a, b) => a.start - b.start || kindOrder[a.kind] - kindOrder[b.kind] || a.row - b.row);
  problems.forEach((problem, index) => { problem.id = index; });
  return { problems, violationsByCue };
}

/** The timeline's length: the media's duration, or the last end of a cue or problem, and at least a second.
 * @param {number} mediaDuration
 * @param {Timed[][]} lists
 */
function timelineDuration(mediaDuration, ...lists) {
  let lastEnd = 0;
  for (const list of lists) for (const item of list) lastEnd = Math.max(lastEnd, item.end);
  return Math.max(1000, mediaDuration, lastEnd);
}

/** @param {Problem} problem */
function describeProblem(problem) {
  const item = problem.item;
  if (problem.kind === 'violation') {
    return item.rule + ': ' + number(item.value) + ' (limit ' + number(item.limit) + ') — ' + item.message;
  }
  if (problem.kind === 'dropped') return 'dropped (' + item.rule + '): “' + item.text + '”';
  if (problem.kind === 'omission') return 'omission (' + item.kind + '): ' + omissionText(item.kind);
  return 'gap: ' + item.message;
}

/** @param {string} kind */
function omissionText(kind) { return OMISSION_TEXT[kind] || 'words may be missing here'; }

/** The line of a problem in the problem list, after its time and tag.
 * @param {Problem} problem
 */
function problemListText(problem) {
  if (problem.kind === 'dropped') return '“' + problem.item.text + '” (' + problem.rule + ')';
  if (problem.kind === 'omission') return omissionText(problem.rule);
  return problem.item.message;
}

/** @param {Cue} cue */
function cueTitle(cue) {
  return 'Cue ' + cue.number + ' (' + clock(cue.start) + ' – ' + clock(cue.end) + ')' +
    (cue.speaker ? ' · ' + cue.speaker : '') + '\n' + cue.lines.join('\n') +
    (cue.rules.length ? '\nBreaks: ' + cue.rules.join(', ') : '');
}

/** @param {{time: number, isInPause: boolean}} cut */
function cutTitle(cut) {
  return 'Chunk cut at ' + clock(cut.time) +
    (cut.isInPause ? ' (in a pause)' : ' (inside speech: a word may be split here)');
}

/** The longest item of a lane (how far back a search for the visible range must look) and the typical one
 * (the median, the upper of the two middles).
 * @param {Timed[]} items
 */
function laneLengths(items) {
  let longest = 0;
  for (const item of items) longest = Math.max(longest, item.end - item.start);
  const lengths = items.map((item) => item.end - item.start).sort((a, b) => a - b);
  const typical = lengths.length ? lengths[lengths.length >> 1] : 0;
  return { longest, typical };
}

/** The first index of `items` (sorted by start) whose start is at or after `time`; `items.length` if none.
 * @param {Timed[]} items
 * @param {number} time
 */
function firstStartingAtOrAfter(items, time) {
  let low = 0, high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (items[middle].start < time) low = middle + 1; else high = middle;
  }
  return low;
}

/** The indices of the items that overlap `from`…`to` (ends included), in order.
 * @param {Searchable} lane
 * @param {number} from
 * @param {number} to
 */
function visibleIndices(lane, from, to) {
  const result = [];
  for (let index = firstStartingAtOrAfter(lane.items, from - lane.longest); index < lane.items.length; index++) {
    const item = lane.items[index];
    if (item.start > to) break;
    if (item.end >= from) result.push(index);
  }
  return result;
}

/** The indices of the items that overlap `start`…`end` by some time (touching ends do not count), in order.
 * @param {Searchable} lane
 * @param {number} start
 * @param {number} end
 */
function overlapping(lane, start, end) {
  return visibleIndices(lane, start, end).filter((index) => lane.items[index].start < end && lane.items[index].end > start);
}

/** Whether a lane with `count` marks in range, the typical one `typical` milliseconds long, is painted on the
 * canvas at `scale` pixels per millisecond rather than made of marks.
 * @param {number} count
 * @param {number} typical
 * @param {number} scale
 */
function condenses(count, typical, scale) {
  return count > MAX_MARKS || (count > FEW_MARKS && typical * scale < MIN_MARK_WIDTH);
}

/** The index of the item at `time`, or of the nearest within `slack` milliseconds (the first of equals), or null.
 * @param {Searchable} lane
 * @param {number} time
 * @param {number} slack
 */
function itemAt(lane, time, slack) {
  let best = null, distance = Infinity;
  for (const index of visibleIndices(lane, time - slack, time + slack)) {
    const item = lane.items[index];
    const gap = time < item.start ? item.start - time : time > item.end ? time - item.end : 0;
    if (gap < distance) { best = index; distance = gap; }
  }
  return best;
}

/** The largest of the values (one every `step` ms) from `from` to `to`, or null when the range has none.
 * @param {number[]} values
 * @param {number} step
 * @param {number} from
 * @param {number} to
 */
function peak(values, step, from, to) {
  let first = Math.floor(from / step);
  let last = Math.max(first, Math.ceil(to / step) - 1);
  if (first >= values.length || last < 0) return null;
  first = Math.max(0, first);
  last = Math.min(values.length - 1, last);
  let result = values[first];
  for (let index = first + 1; index <= last; index++) if (values[index] > result) result = values[index];
  return result;
}

/** The whole-pixel strips, `[x, width]` with x relative to `left`, of the spans (sorted, not overlapping) that
 * overlap the `width` pixels from `left` at `scale` pixels per millisecond; every strip at least a pixel wide.
 * @param {Timed[]} spans
 * @param {number} left
 * @param {number} width
 * @param {number} scale
 */
function strips(spans, left, width, scale) {
  const from = left / scale, to = (left + width) / scale;
  /** @type {[number, number][]} */
  const result = [];
  for (let index = Math.max(0, firstStartingAtOrAfter(spans, from) - 1); index < spans.length; index++) {
    const span = spans[index];
    if (span.start > to) break;
    if (span.end < from) continue;
    const x = Math.floor(Math.max(span.start * scale, left) - left);
    const end = Math.ceil(Math.min(span.end * scale, left + width) - left);
    result.push([x, Math.max(1, end - x)]);
  }
  return result;
}

/** The ruler's step (milliseconds) at `scale`.
 * @param {number} scale
 */
function rulerStep(scale) {
  return TICKS.find((tick) => tick * scale >= TICK_SPACING) || TICKS[TICKS.length - 1];
}

/** The scale (pixels per millisecond) that shows the whole timeline in `width` pixels.
 * @param {number} width
 * @param {number} duration
 */
function fitScale(width, duration) { return Math.max(1e-9, width / duration); }

/** @param {number} width @param {number} duration */
function maxScale(width, duration) { return Math.max(fitScale(width, duration), Math.min(1, MAX_CONTENT_WIDTH / duration)); }

/** `scale` within the zoom's limits, and whether it shows the whole timeline.
 * @param {number} scale
 * @param {number} width
 * @param {number} duration
 */
function clampScale(scale, width, duration) {
  const clamped = Math.min(maxScale(width, duration), Math.max(fitScale(width, duration), scale));
  return { scale: clamped, fitted: clamped <= fitScale(width, duration) * 1.0001 };
}

/** The toolbar's range: "0:10 – 0:40 of 1:00:00 · 33 px/s".
 * @param {number} from
 * @param {number} to
 * @param {number} duration
 * @param {number} scale
 */
function rangeText(from, to, duration, scale) {
  const perSecond = scale * 1000;
  return clock(Math.max(0, from), true) + ' – ' + clock(Math.min(duration, to), true) + ' of ' +
    clock(duration, true) + ' · ' + (perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(2)) + ' px/s';
}

/** The index of the cue under `now` (the last to start by then, if it has not ended), or -1.
 * @param {Timed[]} cues
 * @param {number} now
 */
function cueIndexAt(cues, now) {
  let index = firstStartingAtOrAfter(cues, now + 0.5) - 1;
  if (index >= 0 && cues[index].end <= now) index = -1;
  return index;
}

/** The problem to go to from the playhead at `now`, forward (`direction` 1) or back (-1): the neighbour of
 * `current` while the playhead is on it, else the first after `now` or the last before it. May be out of range.
 * @param {Problem[]} problems
 * @param {Problem | null} current
 * @param {number} now
 * @param {number} direction
 */
function stepTarget(problems, current, now, direction) {
  if (current && now >= current.start - 250 && now <= Math.max(current.end, current.start + 1500)) {
    return current.id + direction;
  }
  if (direction > 0) return firstStartingAtOrAfter(problems, now + 1);
  return firstStartingAtOrAfter(problems, now - 250) - 1;
}

if (typeof document === 'undefined') {
  // Not a page: node's unit tests.
  module.exports = {
    MAX_MARKS, FEW_MARKS, MIN_MARK_WIDTH, TICKS, clock, number, cost, counts, sortedCues, buildProblems, overlapping,
    timelineDuration, describeProblem, problemListText, cueTitle, cutTitle, laneLengths, firstStartingAtOrAfter,
    visibleIndices, condenses, itemAt, peak, rulerStep, fitScale, maxScale, clampScale, rangeText, cueIndexAt,
    stepTarget, strips, omissionText,
  };
  return;
}

// ==== The page: reads the embedded document, builds the video's tracks, the summary table and the problem ====
// list. Every text from the document goes through `textContent`.

const DOCUMENT_VERSION = Number(document.documentElement.dataset.documentVersion);
const startedAt = performance.now();
const data = JSON.parse(document.getElementById('review-data').textContent);
const parsedAt = performance.now();
const $ = (/** @type {string} */ id) => document.getElementById(id);
const video = /** @type {HTMLVideoElement} */ ($('video'));
const timeline = $('timeline');
const content = $('content');
const canvas = /** @type {HTMLCanvasElement} */ ($('activity'));
const layers = $('layers');
const cueLayer = $('cue-layer');
const problemLayer = $('problem-layer');
const cutLayer = $('cut-layer');
const playhead = $('playhead');
const details = $('details');

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string | null} [className]
 * @param {unknown} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

if (data.version !== DOCUMENT_VERSION) {
  $('notice').textContent = 'The document is of version ' + data.version + '; this page reads version ' +
    DOCUMENT_VERSION + '.';
}

// ---- The model: cues and problems sorted by start, for the timeline's binary searches. --------------------
const cues = sortedCues(data.cues);
const cueByNumber = new Map(data.cues.map((/** @type {any} */ cue) => [cue.number, cue]));
const { problems, violationsByCue } = buildProblems(data);
const cuts = data.chunkCuts;
/** Stretches the speech detector doubted, sorted by start. @type {Timed[]} */
const doubtful = (data.doubtful || []).slice().sort((/** @type {Timed} */ a, /** @type {Timed} */ b) => a.start - b.start);
const duration = timelineDuration(data.media.duration, cues, problems);

// ---- The video and its tracks (WebVTT text → blob: URLs, so the page needs no other file). ----------------
document.title = 'Review: ' + data.media.fileName;
$('title').textContent = data.media.fileName;
if (data.media.source) video.src = data.media.source;
const defaultTrack = Math.max(0, data.tracks.findIndex((/** @type {any} */ track) => track.isDefault));
data.tracks.forEach((/** @type {any} */ track, /** @type {number} */ index) => {
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
const summaryBody = /** @type {HTMLTableElement} */ ($('summary')).tBodies[0];
/** @type {[string, string, string | null | undefined][]} */
const figures = [];
/** @param {string} label @param {unknown} value @param {string | null} [className] */
function figure(label, value, className) { figures.push([label, String(value), className]); }
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
if (summary.omissionCount !== null && summary.omissionCount !== undefined) {
  figure('Omissions', summary.omissionCount, summary.omissionCount > 0 ? 'bad' : null);
}
if (summary.doubtfulDuration) figure('Doubtful speech (sent)', clock(summary.doubtfulDuration, true));
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
/** @param {string} label @param {string} value */
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
  li.appendChild(element('span', null, problemListText(problem)));
  li.title = describeProblem(problem);
  return li;
});
for (const li of problemItems) problemList.appendChild(li);
if (problems.length === 0) {
  problemList.appendChild(element('li', 'none', 'No style violations, dropped text, gaps or omissions.'));
}

// ---- The timeline. Zoom sets the content's width; native scrolling moves it. The ruler and the activity map
// are painted on a canvas the width of the viewport; cue and problem marks are DOM elements made only for the
// visible range (plus half a screen either side) and removed when they leave it. A lane is painted on the
// canvas instead ("condensed") when `condenses` says so: such marks cannot be read or aimed at, and thousands
// of them make zooming slow.

// Timeline geometry (CSS pixels; must match the style sheet).
const RULER = 18, ACTIVITY_TOP = 20, ACTIVITY_HEIGHT = 58, CUE_TOP = 82, CUE_HEIGHT = 30;
const VIOLATION_TOP = 116, VIOLATION_ROW = 7, VIOLATION_ROWS = 3, DROPPED_TOP = 138, DROPPED_HEIGHT = 14;
const BESIDE_TOP = 158, BESIDE_HEIGHT = 24;
const HEIGHT = data.beside ? BESIDE_TOP + BESIDE_HEIGHT + 4 : 158, ENERGY_FLOOR = -70;
const TEXT_WIDTH = 12;    // marks narrower than this (pixels) carry no text
let scale = 1;            // pixels per millisecond
let fitted = true;        // whether the zoom shows the whole file (kept on resize)
/** @type {{kind: 'cue' | 'problem' | 'cut', index: number} | null} */
let selected = null;
let currentCue = -1;      // the cue under the playhead (index in `cues`), or -1
const stats = { renders: 0, lastRenderMs: 0, maxRenderMs: 0, totalRenderMs: 0 };
/** @type {Record<string, string>} */
const colors = {};
/** The scale each mark (and cut) was last placed at. @type {WeakMap<HTMLElement, number>} */
const placedAt = new WeakMap();

function readColors() {
  const style = getComputedStyle(document.documentElement);
  for (const name of ['energy', 'speech', 'doubtful', 'ruler', 'lane', 'cue-ok-edge', 'cue-bad-edge', 'violation',
                      'dropped', 'gap', 'omission', 'border', 'beside-edge']) {
    colors[name] = style.getPropertyValue('--' + name).trim();
  }
}

// ---- Lanes: sorted items, the marks on screen, binary search for the visible range. ----------------------
/**
 * @template {Timed} T
 * @param {T[]} items
 * @param {HTMLElement} layer
 * @param {(item: T, index: number) => HTMLElement} make
 * @param {(node: HTMLElement, item: T) => void} place
 */
function makeLane(items, layer, make, place) {
  const { longest, typical } = laneLengths(items);
  /** @type {Map<number, HTMLElement>} */
  const nodes = new Map();
  return { items, layer, make, place, longest, typical, nodes, condensed: false };
}

/**
 * @param {ReturnType<typeof makeLane<any>>} lane
 * @param {number} from
 * @param {number} to
 */
function renderLane(lane, from, to) {
  const wanted = visibleIndices(lane, from, to);
  lane.condensed = condenses(wanted.length, lane.typical, scale);
  const keep = new Set(lane.condensed ? [] : wanted);
  for (const [index, node] of lane.nodes) {
    if (!keep.has(index)) { node.remove(); lane.nodes.delete(index); }
  }
  if (lane.condensed) return 0;
  const fragment = document.createDocumentFragment();
  for (const index of wanted) {
    let node = lane.nodes.get(index);
    if (!node) {
      node = lane.make(lane.items[index], index);
      lane.nodes.set(index, node);
      fragment.appendChild(node);
    }
    if (placedAt.get(node) !== scale) { lane.place(node, lane.items[index]); placedAt.set(node, scale); }
  }
  lane.layer.appendChild(fragment);
  return wanted.length;
}

/** Places a mark from `start` to `end`, at least `minimum` pixels wide; returns its width.
 * @param {HTMLElement} node
 * @param {number} start
 * @param {number} end
 * @param {number} minimum
 */
function span(node, start, end, minimum) {
  const width = Math.max(minimum, (end - start) * scale);
  node.style.left = (start * scale) + 'px';
  node.style.width = width + 'px';
  return width;
}

/** @param {string} kind @param {number} index */
function isSelected(kind, index) { return selected !== null && selected.kind === kind && selected.index === index; }

/** @param {Cue} cue @param {number} index */
function makeCueMark(cue, index) {
  const node = element('div', 'mark cue');
  node.dataset.cue = String(cue.number);
  node.dataset.status = cue.status;
  node.title = cueTitle(cue);
  if (isSelected('cue', index)) node.classList.add('selected');
  if (index === currentCue) node.classList.add('current');
  return node;
}

/** @param {Problem} problem */
function makeProblemMark(problem) {
  const node = element('div', 'mark ' + problem.kind);
  node.dataset.problem = String(problem.id);
  node.dataset.kind = problem.kind;
  node.dataset.rule = problem.rule;
  if (problem.kind === 'violation') {
    node.dataset.cueRef = String(problem.item.cueNumber);
    node.style.top = (VIOLATION_TOP + Math.min(problem.row, VIOLATION_ROWS - 1) * VIOLATION_ROW) + 'px';
  }
  node.title = describeProblem(problem);
  if (isSelected('problem', problem.id)) node.classList.add('selected');
  return node;
}

/** A mark's text only when it is wide enough to read: text layout is most of a mark's cost.
 * @param {HTMLElement} node
 * @param {number} width
 * @param {string} text
 */
function label(node, width, text) {
  const wanted = width >= TEXT_WIDTH ? text : '';
  if (node.textContent !== wanted) node.textContent = wanted;
}
const cueLane = makeLane(cues, cueLayer, makeCueMark, (node, cue) => {
  label(node, span(node, cue.start, cue.end, 3), cue.lines.join('\n'));
});
const problemLane = makeLane(problems, problemLayer, makeProblemMark, (node, problem) => {
  const width = span(node, problem.start, problem.end, 4);
  if (problem.kind === 'dropped') label(node, width, problem.item.text);
});
const cutNodes = cuts.map((/** @type {any} */ cut, /** @type {number} */ index) => {
  const node = element('div', 'cut');
  node.dataset.cut = String(index);
  node.dataset.inPause = String(cut.isInPause);
  node.title = cutTitle(cut);
  cutLayer.appendChild(node);
  return node;
});
// The lane beside the cues: a translation on the cues' times, or the file as it was before a sync moved it.
const beside = data.beside || null;
const BESIDE_ROLE = { translation: 'Translation', before: 'Before the sync', other: 'Beside' };
const besideName = beside ? BESIDE_ROLE[beside.role] + (beside.language ? ' (' + beside.language + ')' : '') : '';
/** @param {any} cue */
function makeBesideMark(cue) {
  const node = element('div', 'mark beside');
  node.dataset.beside = String(cue.number);
  node.title = besideName + ' ' + cue.number + ' · ' + clock(cue.start) + ' → ' + clock(cue.end) + '\n' +
    cue.lines.join('\n');
  return node;
}
const besideLane = makeLane(beside ? beside.cues : [], $('beside-layer'), makeBesideMark, (node, cue) => {
  label(node, span(node, cue.start, cue.end, 3), cue.lines.join('\n'));
});
if (beside) {
  content.classList.add('has-beside');
  $('beside-legend').hidden = false;
  $('beside-legend').lastChild.textContent = besideName + ': ' + beside.label;
  timeline.dataset.besideCount = String(beside.cues.length);
}
timeline.dataset.cueCount = String(cues.length);
timeline.dataset.problemCount = String(problems.length);
timeline.dataset.cutCount = String(cuts.length);

// ---- Painting: ruler, activity map, condensed lanes. -----------------------------------------------------
/** @param {CanvasRenderingContext2D} context @param {number} left @param {number} width */
function paintRuler(context, left, width) {
  const step = rulerStep(scale);
  context.strokeStyle = colors.ruler;
  context.fillStyle = colors.ruler;
  context.lineWidth = 1;
  context.font = '10px system-ui, sans-serif';
  context.textBaseline = 'top';
  context.beginPath();
  context.moveTo(0, RULER - 0.5);
  context.lineTo(width, RULER - 0.5);
  for (let time = Math.floor(left / scale / step) * step; time * scale - left <= width; time += step) {
    const x = Math.round(time * scale - left) + 0.5;
    context.moveTo(x, RULER - 6);
    context.lineTo(x, RULER);
    const label = step < 1000 ? clock(time).slice(0, -2) : clock(time, true);
    if (x + 3 + context.measureText(label).width <= width) context.fillText(label, x + 3, 3);
  }
  context.stroke();
}

/** @param {CanvasRenderingContext2D} context @param {number} left @param {number} width */
function paintActivity(context, left, width) {
  const map = data.activity;
  if (!map || !((map.energy && map.energy.length) || (map.speech && map.speech.length))) {
    context.fillStyle = colors.ruler;
    context.textBaseline = 'middle';
    context.fillText('no loudness or speech data for this file', 8, ACTIVITY_TOP + ACTIVITY_HEIGHT / 2);
    return;
  }
  const bottom = ACTIVITY_TOP + ACTIVITY_HEIGHT;
  const columns = Math.ceil(width);
  // Doubtful speech: a band under the whole height, behind the loudness and the probability line.
  context.fillStyle = colors.doubtful;
  for (const [x, w] of strips(doubtful, left, width, scale)) context.fillRect(x, ACTIVITY_TOP, w, ACTIVITY_HEIGHT);
  if (map.energy && map.energy.length) {
    context.fillStyle = colors.energy;
    context.beginPath();
    context.moveTo(0, bottom);
    for (let x = 0; x <= columns; x++) {
      const level = peak(map.energy, map.step, (left + x) / scale, (left + x + 1) / scale);
      const share = level === null ? 0 : Math.max(0, Math.min(1, (level - ENERGY_FLOOR) / -ENERGY_FLOOR));
      context.lineTo(x, bottom - share * ACTIVITY_HEIGHT);
    }
    context.lineTo(columns, bottom);
    context.closePath();
    context.fill();
  }
  if (map.speech && map.speech.length) {
    context.strokeStyle = colors.speech;
    context.lineWidth = 1.5;
    context.beginPath();
    for (let x = 0; x <= columns; x++) {
      const probability = peak(map.speech, map.step, (left + x) / scale, (left + x + 1) / scale);
      const y = bottom - 1 - ((probability === null ? 0 : probability) / 100) * (ACTIVITY_HEIGHT - 2);
      if (x === 0) context.moveTo(x, y); else context.lineTo(x, y);
    }
    context.stroke();
  }
}

/** The condensed lanes, as strips of whole pixels: crisp, in the status colours, however many items share a
 * pixel.
 * @param {CanvasRenderingContext2D} context
 * @param {number} left
 * @param {number} width
 */
function paintCondensed(context, left, width) {
  const from = left / scale, to = (left + width) / scale;
  const x = (/** @type {Timed} */ item) => Math.floor(item.start * scale - left);
  const w = (/** @type {Timed} */ item) => Math.max(1, Math.round((item.end - item.start) * scale));
  if (cueLane.condensed) {
    for (const index of visibleIndices(cueLane, from, to)) {
      const cue = cueLane.items[index];
      context.fillStyle = cue.status === 'violation' ? colors['cue-bad-edge'] : colors['cue-ok-edge'];
      context.fillRect(x(cue), CUE_TOP + 4, w(cue), CUE_HEIGHT - 8);
    }
  }
  if (beside && besideLane.condensed) {
    context.fillStyle = colors['beside-edge'];
    for (const index of visibleIndices(besideLane, from, to)) {
      const cue = besideLane.items[index];
      context.fillRect(x(cue), BESIDE_TOP + 4, w(cue), BESIDE_HEIGHT - 8);
    }
  }
  if (problemLane.condensed) {
    for (const index of visibleIndices(problemLane, from, to)) {
      const problem = problemLane.items[index];
      if (problem.kind === 'violation') {
        context.fillStyle = colors.violation;
        context.fillRect(x(problem), VIOLATION_TOP + Math.min(problem.row, VIOLATION_ROWS - 1) * VIOLATION_ROW,
                         w(problem), VIOLATION_ROW - 1);
      } else {
        context.fillStyle = problem.kind === 'dropped' ? colors.dropped
          : problem.kind === 'omission' ? colors.omission : colors.gap;
        context.fillRect(x(problem), DROPPED_TOP, w(problem), DROPPED_HEIGHT);
      }
    }
  }
}

/** @param {number} left @param {number} width */
function paint(left, width) {
  const ratio = window.devicePixelRatio || 1;
  const pixelWidth = Math.max(1, Math.round(width * ratio));
  if (canvas.width !== pixelWidth || canvas.height !== Math.round(HEIGHT * ratio)) {
    canvas.width = pixelWidth;
    canvas.height = Math.round(HEIGHT * ratio);
    canvas.style.width = width + 'px';
    canvas.style.height = HEIGHT + 'px';
  }
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, HEIGHT);
  context.fillStyle = colors.lane;
  context.fillRect(0, CUE_TOP, width, CUE_HEIGHT);
  context.fillRect(0, VIOLATION_TOP, width, VIOLATION_ROWS * VIOLATION_ROW - 1);
  context.fillRect(0, DROPPED_TOP, width, DROPPED_HEIGHT);
  if (beside) context.fillRect(0, BESIDE_TOP, width, BESIDE_HEIGHT);
  paintRuler(context, left, width);
  paintActivity(context, left, width);
  paintCondensed(context, left, width);
}

// ---- Rendering: what is on screen now. -------------------------------------------------------------------
let renderQueued = false;
function requestRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; render(); });
}

function render() {
  const began = performance.now();
  const width = timeline.clientWidth;
  const left = timeline.scrollLeft;
  const from = left / scale, to = (left + width) / scale;
  const margin = (to - from) / 2;
  const shownCues = renderLane(cueLane, from - margin, to + margin);
  const shownProblems = renderLane(problemLane, from - margin, to + margin);
  if (beside) renderLane(besideLane, from - margin, to + margin);
  for (let index = 0; index < cutNodes.length; index++) {
    if (placedAt.get(cutNodes[index]) !== scale) {
      cutNodes[index].style.left = (cuts[index].time * scale - 1) + 'px';
      placedAt.set(cutNodes[index], scale);
    }
  }
  paint(left, width);
  placePlayhead();
  timeline.dataset.renderedCues = String(shownCues);
  timeline.dataset.renderedProblems = String(shownProblems);
  timeline.dataset.condensed = String(cueLane.condensed || problemLane.condensed);
  $('range').textContent = rangeText(from, to, duration, scale);
  const took = performance.now() - began;
  stats.renders += 1;
  stats.lastRenderMs = took;
  stats.totalRenderMs += took;
  stats.maxRenderMs = Math.max(stats.maxRenderMs, took);
}

function placePlayhead() {
  playhead.style.transform = 'translateX(' + (video.currentTime * 1000 * scale) + 'px)';
}

/** Zooms to `next` pixels per millisecond, keeping `anchorTime` at `anchorX` pixels from the left edge.
 * @param {number} next
 * @param {number} anchorTime
 * @param {number} anchorX
 */
function setScale(next, anchorTime, anchorX) {
  ({ scale, fitted } = clampScale(next, timeline.clientWidth, duration));
  content.style.width = Math.floor(duration * scale) + 'px';
  timeline.scrollLeft = Math.max(0, anchorTime * scale - anchorX);
  render();
}

/** @param {number} factor @param {number} [anchorX] */
function zoomBy(factor, anchorX) {
  const x = anchorX === undefined ? timeline.clientWidth / 2 : anchorX;
  setScale(scale * factor, (timeline.scrollLeft + x) / scale, x);
}

function fit() { setScale(fitScale(timeline.clientWidth, duration), 0, 0); }

timeline.addEventListener('scroll', requestRender, { passive: true });
timeline.addEventListener('wheel', (event) => {
  if (event.ctrlKey) {
    event.preventDefault();
    const x = event.clientX - timeline.getBoundingClientRect().left;
    zoomBy(Math.exp(-event.deltaY * 0.002), x);
  } else if (Math.abs(event.deltaY) > Math.abs(event.deltaX)) {
    event.preventDefault();
    timeline.scrollLeft += event.deltaY;
  }
}, { passive: false });
new ResizeObserver(() => {
  if (fitted) fit(); else setScale(scale, (timeline.scrollLeft) / scale, 0);
}).observe(timeline);
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { readColors(); render(); });

// ---- Playback. -------------------------------------------------------------------------------------------
function play() {
  const promise = video.play();
  if (promise) promise.catch(() => {});   // no source, or playback refused: the notice says why
}

function togglePlay() { if (video.paused) play(); else video.pause(); }

/** @param {number} time */
function reveal(time) {
  const x = time * scale, left = timeline.scrollLeft, width = timeline.clientWidth;
  if (x < left || x > left + width - 4) timeline.scrollLeft = Math.max(0, x - width * 0.2);
}

/** @param {number} time @param {boolean} andPlay */
function seek(time, andPlay) {
  const target = Math.max(0, Math.min(duration, time));
  video.currentTime = target / 1000;
  placePlayhead();
  showTime();
  reveal(target);
  if (andPlay) play();
}

function showTime() {
  $('clock').textContent = clock(video.currentTime * 1000) + ' / ' + clock(duration);
  $('play').textContent = video.paused ? 'Play' : 'Pause';
}

function markCurrentCue() {
  const index = cueIndexAt(cues, video.currentTime * 1000);
  if (index === currentCue) return;
  const before = cueLane.nodes.get(currentCue);
  if (before) before.classList.remove('current');
  currentCue = index;
  const after = cueLane.nodes.get(index);
  if (after) after.classList.add('current');
}

function follow() {
  if (!(/** @type {HTMLInputElement} */ ($('follow'))).checked || video.paused) return;
  const x = video.currentTime * 1000 * scale, left = timeline.scrollLeft, width = timeline.clientWidth;
  if (x < left || x > left + width * 0.9) timeline.scrollLeft = Math.max(0, x - width * 0.1);
}

function tick() {
  placePlayhead();
  showTime();
  markCurrentCue();
  follow();
  if (!video.paused && !video.ended) requestAnimationFrame(tick);
}
video.addEventListener('play', () => requestAnimationFrame(tick));
for (const name of ['pause', 'seeked', 'timeupdate', 'loadedmetadata']) {
  video.addEventListener(name, () => { placePlayhead(); showTime(); markCurrentCue(); });
}

// ---- Selection and the details line. ---------------------------------------------------------------------
/** @param {'cue' | 'problem' | 'cut'} kind @param {number} index */
function select(kind, index) {
  for (const node of layers.querySelectorAll('.selected')) node.classList.remove('selected');
  for (const node of problemList.querySelectorAll('.selected')) node.classList.remove('selected');
  selected = { kind, index };
  if (kind === 'cue' && cueLane.nodes.has(index)) cueLane.nodes.get(index).classList.add('selected');
  if (kind === 'problem') {
    if (problemLane.nodes.has(index)) problemLane.nodes.get(index).classList.add('selected');
    problemItems[index].classList.add('selected');
    problemItems[index].scrollIntoView({ block: 'nearest' });
  }
  if (kind === 'cut') cutNodes[index].classList.add('selected');
  showDetails();
}

/** @param {string} className @param {string} text */
function detailLine(className, text) { details.appendChild(element('div', className, text)); }

/** The first line: what is selected, in bold, then where it is.
 * @param {string} text
 * @param {number} start
 * @param {number} [end]
 */
function detailHead(text, start, end) {
  const line = element('div', 'head', text);
  line.appendChild(element('span', 'meta', ' · ' + clock(start) + (end === undefined ? '' : ' → ' + clock(end))));
  details.appendChild(line);
}

/** @param {any} cue */
function showCueText(cue) {
  if (!cue) return;
  detailLine('text', (cue.speaker ? cue.speaker + ': ' : '') + cue.lines.join('\n'));
}

function showDetails() {
  details.textContent = '';
  if (selected === null) {
    detailLine('meta', 'Click a cue or a marker to play it from there; n and p step through the problems.');
    return;
  }
  if (selected.kind === 'cue') {
    const cue = cues[selected.index];
    detailHead('Cue ' + cue.number + (cue.status === 'ok' ? ' · meets the style' : ' · breaks the style'),
               cue.start, cue.end);
    for (const violation of violationsByCue.get(cue.number) || []) {
      detailLine('meta', violation.rule + ': ' + number(violation.value) + ' (limit ' + number(violation.limit) +
                 ') — ' + violation.message);
    }
    showCueText(cue);
    for (const index of beside ? overlapping(besideLane, cue.start, cue.end) : []) {
      detailLine('beside', besideName + ': ' + besideLane.items[index].lines.join('\n'));
    }
  } else if (selected.kind === 'problem') {
    const problem = problems[selected.index];
    const label = { violation: 'Style violation', dropped: 'Dropped by the hallucination guard', gap: 'Gap',
                    omission: 'Words may be missing' };
    detailHead(label[problem.kind] + ' · ' + problem.rule + ' · problem ' + (problem.id + 1) + ' of ' +
               problems.length, problem.start, problem.end);
    if (problem.kind === 'violation') {
      detailLine('meta', 'value ' + number(problem.item.value) + ', limit ' + number(problem.item.limit) + ' — ' +
                 problem.item.message);
      showCueText(cueByNumber.get(problem.item.cueNumber));
    } else if (problem.kind === 'dropped') {
      detailLine('text', problem.item.text);
    } else if (problem.kind === 'omission') {
      detailLine('meta', omissionText(problem.rule) + '.');
    } else {
      detailLine('text', problem.item.message);
    }
  } else {
    const cut = cuts[selected.index];
    detailHead('Chunk cut ' + (selected.index + 1) + ' of ' + cuts.length, cut.time);
    detailLine('meta', cut.isInPause ? 'In a pause.' : 'Inside speech: a word may be split here.');
  }
}

/** @param {number} index */
function goToProblem(index) {
  const problem = problems[index];
  if (!problem) return;
  select('problem', index);
  seek(problem.start, true);
}

/** The next (direction 1) or previous (-1) problem from the selected one, or from the playhead.
 * @param {number} direction
 */
function stepProblem(direction) {
  if (problems.length === 0) return;
  const current = selected !== null && selected.kind === 'problem' ? problems[selected.index] : null;
  const index = stepTarget(problems, current, video.currentTime * 1000, direction);
  if (index >= 0 && index < problems.length) goToProblem(index);
}

/** Whether keys typed at `target` are text for it rather than commands for the page.
 * @param {EventTarget | null} target
 */
function takesText(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLInputElement) return target.type !== 'checkbox';
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

// ---- Pointer and keyboard. -------------------------------------------------------------------------------
layers.addEventListener('click', (event) => {
  const target = /** @type {HTMLElement | null} */ (
    /** @type {Element} */ (event.target).closest('[data-cue],[data-problem],[data-cut],[data-beside]'));
  const box = content.getBoundingClientRect();
  const time = (event.clientX - box.left) / scale, y = event.clientY - box.top;
  const slack = 3 / scale;   // three pixels
  if (target === null) {
    // On a painted lane, the cue or problem under the pointer (or within three pixels of it).
    const cue = cueLane.condensed && y >= CUE_TOP && y < CUE_TOP + CUE_HEIGHT ? itemAt(cueLane, time, slack) : null;
    const problem = problemLane.condensed && y >= VIOLATION_TOP ? itemAt(problemLane, time, slack) : null;
    if (cue !== null) { select('cue', cue); seek(cues[cue].start, true); }
    else if (problem !== null) goToProblem(problem);
    else seek(time, false);
  } else if (target.dataset.cue !== undefined) {
    const index = cues.findIndex((cue) => cue.number === Number(target.dataset.cue));
    select('cue', index);
    seek(cues[index].start, true);
  } else if (target.dataset.problem !== undefined) {
    goToProblem(Number(target.dataset.problem));
  } else if (target.dataset.beside !== undefined) {
    // Plays it, with the main cue it overlaps most at its start selected.
    const item = besideLane.items[Number(target.dataset.beside) - 1];
    const index = itemAt(cueLane, item.start, item.end - item.start);
    if (index !== null) select('cue', index);
    seek(item.start, true);
  } else {
    const index = Number(target.dataset.cut);
    select('cut', index);
    seek(cuts[index].time, false);
  }
});
problemList.addEventListener('click', (event) => {
  const item = /** @type {HTMLElement | null} */ (
    /** @type {Element} */ (event.target).closest('[data-problem-ref]'));
  if (item) goToProblem(Number(item.dataset.problemRef));
});
$('play').addEventListener('click', togglePlay);
$('back').addEventListener('click', () => seek(video.currentTime * 1000 - 5000, false));
$('forward').addEventListener('click', () => seek(video.currentTime * 1000 + 5000, false));
$('previous-problem').addEventListener('click', () => stepProblem(-1));
$('next-problem').addEventListener('click', () => stepProblem(1));
$('zoom-in').addEventListener('click', () => zoomBy(2));
$('zoom-out').addEventListener('click', () => zoomBy(0.5));
$('fit').addEventListener('click', fit);

window.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (takesText(event.target)) return;
  const jump = event.shiftKey ? 1000 : 5000;
  switch (event.key) {
    case ' ': togglePlay(); break;
    case 'ArrowLeft': seek(video.currentTime * 1000 - jump, false); break;
    case 'ArrowRight': seek(video.currentTime * 1000 + jump, false); break;
    case 'n': case ']': stepProblem(1); break;
    case 'p': case '[': stepProblem(-1); break;
    case '+': case '=': zoomBy(2); break;
    case '-': case '_': zoomBy(0.5); break;
    case '0': fit(); break;
    case 'Home': seek(0, false); break;
    case 'End': seek(duration, false); break;
    default: return;
  }
  event.preventDefault();
  event.stopPropagation();
}, true);

// ---- Start. ----------------------------------------------------------------------------------------------
readColors();
if (duration <= 10 * 60 * 1000) fit(); else setScale(timeline.clientWidth / (5 * 60 * 1000), 0, 0);
showTime();
showDetails();
const readyAt = performance.now();
/** @type {ReviewAPI} */
const api = {
  fit,
  zoomTo(pixelsPerSecond) { setScale(pixelsPerSecond / 1000, timeline.scrollLeft / scale, 0); return scale * 1000; },
  scrollToTime(time) { timeline.scrollLeft = Math.max(0, time * scale); render(); return timeline.scrollLeft; },
  render,
  get pixelsPerSecond() { return scale * 1000; },
  /** The times at the timeline's left and right edges, and the span marks are made for (half a screen more). */
  visibleRange() {
    const from = timeline.scrollLeft / scale, to = (timeline.scrollLeft + timeline.clientWidth) / scale;
    return { from, to, marksFrom: from - (to - from) / 2, marksTo: to + (to - from) / 2 };
  },
  stats() {
    return Object.assign({ parseMs: parsedAt - startedAt, setupMs: readyAt - startedAt, readyAt,
                           cues: cues.length, problems: problems.length }, stats);
  },
};
window.review = api;
document.documentElement.dataset.ready = 'true';
})();
