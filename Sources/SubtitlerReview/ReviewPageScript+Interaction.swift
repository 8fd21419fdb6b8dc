import Subtitles
extension ReviewPage {
    /// The last part of the page's script: playback, selection and the details line, clicks, the keyboard,
    /// and `window.review`, the small API tests and benchmarks drive (`fit()`, `zoomTo(pxPerSecond)`,
    /// `scrollToTime(ms)`, `stats()`).
    static let scriptInteraction = #"""
// ---- Playback. -------------------------------------------------------------------------------------------
function play() {
  const promise = video.play();
  if (promise) promise.catch(() => {});   // no source, or playback refused: the notice says why
}

function togglePlay() { if (video.paused) play(); else video.pause(); }

function reveal(time) {
  const x = time * scale, left = timeline.scrollLeft, width = timeline.clientWidth;
  if (x < left || x > left + width - 4) timeline.scrollLeft = Math.max(0, x - width * 0.2);
}

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
  const now = video.currentTime * 1000;
  let index = firstStartingAtOrAfter(cues, now + 0.5) - 1;
  if (index >= 0 && cues[index].end <= now) index = -1;
  if (index === currentCue) return;
  const before = cueLane.nodes.get(currentCue);
  if (before) before.classList.remove('current');
  currentCue = index;
  const after = cueLane.nodes.get(index);
  if (after) after.classList.add('current');
}

function follow() {
  if (!$('follow').checked || video.paused) return;
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

function detailLine(className, text) { details.appendChild(element('div', className, text)); }

/** The first line: what is selected, in bold, then where it is. */
function detailHead(text, start, end) {
  const line = element('div', 'head', text);
  line.appendChild(element('span', 'meta', ' · ' + clock(start) + (end === undefined ? '' : ' → ' + clock(end))));
  details.appendChild(line);
}

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
  } else if (selected.kind === 'problem') {
    const problem = problems[selected.index];
    const label = { violation: 'Style violation', dropped: 'Dropped by the hallucination guard', gap: 'Gap' };
    detailHead(label[problem.kind] + ' · ' + problem.rule + ' · problem ' + (problem.id + 1) + ' of ' +
               problems.length, problem.start, problem.end);
    if (problem.kind === 'violation') {
      detailLine('meta', 'value ' + number(problem.item.value) + ', limit ' + number(problem.item.limit) + ' — ' +
                 problem.item.message);
      showCueText(cueByNumber.get(problem.item.cueNumber));
    } else if (problem.kind === 'dropped') {
      detailLine('text', problem.item.text);
    } else {
      detailLine('text', problem.item.message);
    }
  } else {
    const cut = cuts[selected.index];
    detailHead('Chunk cut ' + (selected.index + 1) + ' of ' + cuts.length, cut.time);
    detailLine('meta', cut.isInPause ? 'In a pause.' : 'Inside speech: a word may be split here.');
  }
}

function goToProblem(index) {
  const problem = problems[index];
  if (!problem) return;
  select('problem', index);
  seek(problem.start, true);
}

/** The next (direction 1) or previous (-1) problem from the selected one, or from the playhead. */
function stepProblem(direction) {
  if (problems.length === 0) return;
  const now = video.currentTime * 1000;
  let index;
  const current = selected !== null && selected.kind === 'problem' ? problems[selected.index] : null;
  if (current && now >= current.start - 250 && now <= Math.max(current.end, current.start + 1500)) {
    index = current.id + direction;
  } else if (direction > 0) {
    index = firstStartingAtOrAfter(problems, now + 1);
  } else {
    index = firstStartingAtOrAfter(problems, now - 250) - 1;
  }
  if (index >= 0 && index < problems.length) goToProblem(index);
}

// ---- Pointer and keyboard. -------------------------------------------------------------------------------
layers.addEventListener('click', (event) => {
  const target = event.target.closest('[data-cue],[data-problem],[data-cut]');
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
  } else {
    const index = Number(target.dataset.cut);
    select('cut', index);
    seek(cuts[index].time, false);
  }
});
problemList.addEventListener('click', (event) => {
  const item = event.target.closest('[data-problem-ref]');
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
  const target = event.target;
  if (target && (target.isContentEditable ||
                 (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && target.type !== 'checkbox'))) return;
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
window.review = {
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
document.documentElement.dataset.ready = 'true';
"""#
}
