import Subtitles
extension ReviewPage {
    /// The second part of the page's script: the timeline. Zoom sets the content's width; native scrolling
    /// moves it. The ruler and the activity map are painted on a canvas the width of the viewport; cue and
    /// problem marks are DOM elements made only for the visible range (plus half a screen either side) and
    /// removed when they leave it. A lane is painted on the canvas instead ("condensed") when it would need
    /// more than `MAX_MARKS` marks, or more than `FEW_MARKS` marks of which the typical one is narrower than
    /// `MIN_MARK_WIDTH` pixels (a whole film's cues at the zoom that fits it): such marks cannot be read or
    /// aimed at, and thousands of them make zooming slow.
    static let scriptTimeline = #"""
// ---- Timeline geometry (CSS pixels; must match the style sheet). -----------------------------------------
const RULER = 18, ACTIVITY_TOP = 20, ACTIVITY_HEIGHT = 58, CUE_TOP = 82, CUE_HEIGHT = 30;
const VIOLATION_TOP = 116, VIOLATION_ROW = 7, VIOLATION_ROWS = 3, DROPPED_TOP = 138, DROPPED_HEIGHT = 14;
const HEIGHT = 158, ENERGY_FLOOR = -70;
const MAX_MARKS = 4000, FEW_MARKS = 500, MIN_MARK_WIDTH = 2;
const TEXT_WIDTH = 12;    // marks narrower than this (pixels) carry no text
const TICKS = [100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000,
               1800000, 3600000];
let scale = 1;            // pixels per millisecond
let fitted = true;        // whether the zoom shows the whole file (kept on resize)
let selected = null;      // {kind: 'cue'|'problem'|'cut', index}
let currentCue = -1;      // the cue under the playhead (index in `cues`), or -1
const stats = { renders: 0, lastRenderMs: 0, maxRenderMs: 0, totalRenderMs: 0 };
const colors = {};

function readColors() {
  const style = getComputedStyle(document.documentElement);
  for (const name of ['energy', 'speech', 'ruler', 'lane', 'cue-ok-edge', 'cue-bad-edge', 'violation', 'dropped',
                      'gap', 'border']) {
    colors[name] = style.getPropertyValue('--' + name).trim();
  }
}

function fitScale() { return Math.max(1e-9, timeline.clientWidth / duration); }
function maxScale() { return Math.max(fitScale(), Math.min(1, 16e6 / duration)); }

// ---- Lanes: sorted items, the marks on screen, binary search for the visible range. ----------------------
function makeLane(items, layer, make, place) {
  let longest = 0;
  for (const item of items) longest = Math.max(longest, item.end - item.start);
  const lengths = items.map((item) => item.end - item.start).sort((a, b) => a - b);
  const typical = lengths.length ? lengths[lengths.length >> 1] : 0;
  return { items, layer, make, place, longest, typical, nodes: new Map(), condensed: false };
}

function firstStartingAtOrAfter(items, time) {
  let low = 0, high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (items[middle].start < time) low = middle + 1; else high = middle;
  }
  return low;
}

function visibleIndices(lane, from, to) {
  const result = [];
  for (let index = firstStartingAtOrAfter(lane.items, from - lane.longest); index < lane.items.length; index++) {
    const item = lane.items[index];
    if (item.start > to) break;
    if (item.end >= from) result.push(index);
  }
  return result;
}

function renderLane(lane, from, to) {
  const wanted = visibleIndices(lane, from, to);
  lane.condensed = wanted.length > MAX_MARKS ||
    (wanted.length > FEW_MARKS && lane.typical * scale < MIN_MARK_WIDTH);
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
    if (node.placedAt !== scale) { lane.place(node, lane.items[index]); node.placedAt = scale; }
  }
  lane.layer.appendChild(fragment);
  return wanted.length;
}

/** The item of a lane at `time`, or the nearest within `slack` milliseconds, or null. */
function itemAt(lane, time, slack) {
  let best = null, distance = Infinity;
  for (const index of visibleIndices(lane, time - slack, time + slack)) {
    const item = lane.items[index];
    const gap = time < item.start ? item.start - time : time > item.end ? time - item.end : 0;
    if (gap < distance) { best = index; distance = gap; }
  }
  return best;
}

/** Places a mark from `start` to `end`, at least `minimum` pixels wide; returns its width. */
function span(node, start, end, minimum) {
  const width = Math.max(minimum, (end - start) * scale);
  node.style.left = (start * scale) + 'px';
  node.style.width = width + 'px';
  return width;
}

function isSelected(kind, index) { return selected !== null && selected.kind === kind && selected.index === index; }

function makeCueMark(cue, index) {
  const node = element('div', 'mark cue');
  node.dataset.cue = String(cue.number);
  node.dataset.status = cue.status;
  node.title = 'Cue ' + cue.number + ' (' + clock(cue.start) + ' – ' + clock(cue.end) + ')' +
    (cue.speaker ? ' · ' + cue.speaker : '') + '\n' + cue.lines.join('\n') +
    (cue.rules.length ? '\nBreaks: ' + cue.rules.join(', ') : '');
  if (isSelected('cue', index)) node.classList.add('selected');
  if (index === currentCue) node.classList.add('current');
  return node;
}

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

/** A mark's text only when it is wide enough to read: text layout is most of a mark's cost. */
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
const cutNodes = cuts.map((cut, index) => {
  const node = element('div', 'cut');
  node.dataset.cut = String(index);
  node.dataset.inPause = String(cut.isInPause);
  node.title = 'Chunk cut at ' + clock(cut.time) +
    (cut.isInPause ? ' (in a pause)' : ' (inside speech: a word may be split here)');
  cutLayer.appendChild(node);
  return node;
});
timeline.dataset.cueCount = String(cues.length);
timeline.dataset.problemCount = String(problems.length);
timeline.dataset.cutCount = String(cuts.length);

// ---- Painting: ruler, activity map, condensed lanes. -----------------------------------------------------
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

function paintRuler(context, left, width) {
  const step = TICKS.find((tick) => tick * scale >= 90) || TICKS[TICKS.length - 1];
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

function paintCondensed(context, lane, left, width) {
  for (const index of visibleIndices(lane, left / scale, (left + width) / scale)) {
    const item = lane.items[index];
    // Whole pixels: crisp strips in the status colours, however many items share a pixel.
    const x = Math.floor(item.start * scale - left);
    const w = Math.max(1, Math.round((item.end - item.start) * scale));
    if (lane === cueLane) {
      context.fillStyle = item.status === 'violation' ? colors['cue-bad-edge'] : colors['cue-ok-edge'];
      context.fillRect(x, CUE_TOP + 4, w, CUE_HEIGHT - 8);
    } else if (item.kind === 'violation') {
      context.fillStyle = colors.violation;
      context.fillRect(x, VIOLATION_TOP + Math.min(item.row, VIOLATION_ROWS - 1) * VIOLATION_ROW, w, VIOLATION_ROW - 1);
    } else {
      context.fillStyle = item.kind === 'dropped' ? colors.dropped : colors.gap;
      context.fillRect(x, DROPPED_TOP, w, DROPPED_HEIGHT);
    }
  }
}

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
  paintRuler(context, left, width);
  paintActivity(context, left, width);
  if (cueLane.condensed) paintCondensed(context, cueLane, left, width);
  if (problemLane.condensed) paintCondensed(context, problemLane, left, width);
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
  for (let index = 0; index < cutNodes.length; index++) {
    if (cutNodes[index].placedAt !== scale) {
      cutNodes[index].style.left = (cuts[index].time * scale - 1) + 'px';
      cutNodes[index].placedAt = scale;
    }
  }
  paint(left, width);
  placePlayhead();
  timeline.dataset.renderedCues = String(shownCues);
  timeline.dataset.renderedProblems = String(shownProblems);
  timeline.dataset.condensed = String(cueLane.condensed || problemLane.condensed);
  $('range').textContent = clock(Math.max(0, from), true) + ' – ' + clock(Math.min(duration, to), true) +
    ' of ' + clock(duration, true) + ' · ' + (scale * 1000 >= 10 ? Math.round(scale * 1000) : (scale * 1000).toFixed(2)) +
    ' px/s';
  const took = performance.now() - began;
  stats.renders += 1;
  stats.lastRenderMs = took;
  stats.totalRenderMs += took;
  stats.maxRenderMs = Math.max(stats.maxRenderMs, took);
}

function placePlayhead() {
  playhead.style.transform = 'translateX(' + (video.currentTime * 1000 * scale) + 'px)';
}

/** Zooms to `next` pixels per millisecond, keeping `anchorTime` at `anchorX` pixels from the left edge. */
function setScale(next, anchorTime, anchorX) {
  scale = Math.min(maxScale(), Math.max(fitScale(), next));
  fitted = scale <= fitScale() * 1.0001;
  content.style.width = Math.floor(duration * scale) + 'px';
  timeline.scrollLeft = Math.max(0, anchorTime * scale - anchorX);
  render();
}

function zoomBy(factor, anchorX) {
  const x = anchorX === undefined ? timeline.clientWidth / 2 : anchorX;
  setScale(scale * factor, (timeline.scrollLeft + x) / scale, x);
}

function fit() { setScale(fitScale(), 0, 0); }

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
"""#
}
