'use strict';
// The review page's timeline maths: the model's order, searches, condensing, zoom, the ruler and stepping.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const review = require('./support.js');

const spans = (...pairs) => pairs.map(([start, end]) => ({ start, end }));

test('cues are sorted by start, then number, without touching the document', () => {
  const cues = [{ number: 3, start: 500 }, { number: 2, start: 0 }, { number: 1, start: 500 }];
  assert.deepEqual(review.sortedCues(cues).map((cue) => cue.number), [2, 1, 3]);
  assert.deepEqual(cues.map((cue) => cue.number), [3, 2, 1]);
});

test('problems are ordered by start, then gap, dropped, violation, then row; ids follow the order', () => {
  const document = {
    violations: [
      { cueNumber: 1, start: 1000, end: 2000, rule: 'cps' },
      { cueNumber: 1, start: 1000, end: 2000, rule: 'cpl' },
      { cueNumber: 2, start: 500, end: 900, rule: 'duration' },
    ],
    dropped: [{ start: 1000, end: 1500, rule: 'repeat', text: 'la' }],
    gaps: [{ start: 1000, end: 4000, message: 'chunk failed' }],
  };
  const { problems, violationsByCue } = review.buildProblems(document);
  assert.deepEqual(problems.map((p) => [p.kind, p.rule, p.row]), [
    ['violation', 'duration', 0], ['gap', 'gap', 0], ['dropped', 'repeat', 0], ['violation', 'cps', 0],
    ['violation', 'cpl', 1],
  ]);
  assert.deepEqual(problems.map((p) => p.id), [0, 1, 2, 3, 4]);
  assert.deepEqual(violationsByCue.get(1).map((v) => v.rule), ['cps', 'cpl']);
  assert.equal(violationsByCue.get(2).length, 1);
  assert.equal(violationsByCue.has(3), false);
  assert.equal(problems[3].item, document.violations[0]);
});

test('the timeline lasts as long as the media, the last item, and at least a second', () => {
  assert.equal(review.timelineDuration(0, [], []), 1000);
  assert.equal(review.timelineDuration(600000, spans([0, 1000]), []), 600000);
  assert.equal(review.timelineDuration(5000, spans([0, 1000]), spans([6000, 7500])), 7500);
});

test('a lane knows its longest item and its typical (median) one', () => {
  assert.deepEqual(review.laneLengths([]), { longest: 0, typical: 0 });
  assert.deepEqual(review.laneLengths(spans([0, 10], [20, 120], [200, 230])), { longest: 100, typical: 30 });
  assert.deepEqual(review.laneLengths(spans([0, 10], [20, 40], [200, 230], [300, 400])), { longest: 100, typical: 30 });
});

test('the binary search finds the first item starting at or after a time', () => {
  const items = spans([0, 5], [10, 15], [10, 20], [30, 35]);
  assert.equal(review.firstStartingAtOrAfter(items, -1), 0);
  assert.equal(review.firstStartingAtOrAfter(items, 0), 0);
  assert.equal(review.firstStartingAtOrAfter(items, 1), 1);
  assert.equal(review.firstStartingAtOrAfter(items, 10), 1);
  assert.equal(review.firstStartingAtOrAfter(items, 11), 3);
  assert.equal(review.firstStartingAtOrAfter(items, 31), 4);
  assert.equal(review.firstStartingAtOrAfter([], 5), 0);
});

test('the visible range holds every item that overlaps it, also long ones that start before it', () => {
  const items = spans([0, 1000], [100, 150], [400, 450], [600, 700], [900, 950]);
  const lane = { items, longest: 1000 };
  assert.deepEqual(review.visibleIndices(lane, 500, 800), [0, 3]);
  assert.deepEqual(review.visibleIndices(lane, 450, 600), [0, 2, 3]);   // both ends count
  assert.deepEqual(review.visibleIndices(lane, 1001, 2000), []);
  assert.deepEqual(review.visibleIndices({ items: items.slice(1), longest: 100 }, 500, 800), [2]);
});

test('the cues beside a cue are those that share some of its time, not those that only touch it', () => {
  const lane = { items: spans([0, 1000], [1000, 2000], [1500, 2500], [2500, 3000]), longest: 1000 };
  assert.deepEqual(review.overlapping(lane, 1000, 2500), [1, 2]);
  assert.deepEqual(review.overlapping(lane, 0, 1000), [0]);
  assert.deepEqual(review.overlapping(lane, 3000, 4000), []);
  assert.deepEqual(review.overlapping(lane, 1200, 1300), [1]);
});

test('a lane is condensed with too many marks, or many marks too narrow to aim at', () => {
  const { MAX_MARKS, FEW_MARKS, MIN_MARK_WIDTH } = review;
  assert.equal(review.condenses(MAX_MARKS + 1, 10000, 1), true);
  assert.equal(review.condenses(MAX_MARKS, 10000, 1), false);
  assert.equal(review.condenses(FEW_MARKS + 1, 1000, (MIN_MARK_WIDTH - 0.1) / 1000), true);
  assert.equal(review.condenses(FEW_MARKS + 1, 1000, MIN_MARK_WIDTH / 1000), false);
  assert.equal(review.condenses(FEW_MARKS, 1000, 1e-6), false);
  // A whole film's cues at the zoom that fits it (2,500 cues of 3 s in 3 h on 1,200 px): painted.
  assert.equal(review.condenses(2500, 3000, 1200 / 10800000), true);
  // Ten minutes, 100 cues: marks.
  assert.equal(review.condenses(100, 3000, 1200 / 600000), false);
});

test('a click picks the item under the pointer, else the nearest within the slack', () => {
  const lane = { items: spans([0, 100], [200, 300], [310, 400]), longest: 100 };
  assert.equal(review.itemAt(lane, 50, 3), 0);
  assert.equal(review.itemAt(lane, 102, 3), 0);
  assert.equal(review.itemAt(lane, 150, 3), null);
  assert.equal(review.itemAt(lane, 303, 10), 1);     // 3 from cue 1, 7 from cue 2
  assert.equal(review.itemAt(lane, 307, 10), 2);
  assert.equal(review.itemAt(lane, 305, 10), 1);     // a tie goes to the first
});

test('peak is the largest value in the range, clamped to the data, or null outside it', () => {
  const values = [1, 5, 3, 2];
  assert.equal(review.peak(values, 100, 0, 100), 1);
  assert.equal(review.peak(values, 100, 50, 250), 5);
  assert.equal(review.peak(values, 100, 210, 220), 3);      // a range within one value
  assert.equal(review.peak(values, 100, -500, 50), 1);
  assert.equal(review.peak(values, 100, 250, 99999), 3);
  assert.equal(review.peak(values, 100, 400, 500), null);
  assert.equal(review.peak(values, 100, -300, -100), null);
  assert.equal(review.peak([], 100, 0, 100), null);
});

test('the ruler takes the first step at least 90 pixels wide', () => {
  assert.equal(review.rulerStep(1), 100);               // 1 px/ms
  assert.equal(review.rulerStep(0.45), 200);            // 90 px exactly
  assert.equal(review.rulerStep(0.02), 5000);           // 20 px/s
  assert.equal(review.rulerStep(0.001), 120000);        // 1 px/s
  assert.equal(review.rulerStep(1e-9), 3600000);        // nothing is wide enough: the largest
});

test('zoom stays between the whole file and a millisecond a pixel (or 16 million pixels)', () => {
  assert.equal(review.fitScale(1200, 600000), 0.002);
  assert.equal(review.fitScale(0, 600000), 1e-9);
  assert.equal(review.maxScale(1200, 600000), 1);
  assert.equal(review.maxScale(1200, 36000000), 16e6 / 36000000);
  assert.equal(review.maxScale(1200, 100), 12);          // a tiny file: fitting wins
  assert.deepEqual(review.clampScale(1e-6, 1200, 600000), { scale: 0.002, fitted: true });
  assert.deepEqual(review.clampScale(0.0020001, 1200, 600000), { scale: 0.0020001, fitted: true });
  assert.deepEqual(review.clampScale(0.01, 1200, 600000), { scale: 0.01, fitted: false });
  assert.deepEqual(review.clampScale(5, 1200, 600000), { scale: 1, fitted: false });
});

test('the range text clamps to the file and rounds the zoom', () => {
  assert.equal(review.rangeText(-5, 30000, 60000, 0.02), '0:00 – 0:30 of 1:00 · 20 px/s');
  assert.equal(review.rangeText(0, 90000, 60000, 0.001), '0:00 – 1:00 of 1:00 · 1.00 px/s');
  assert.equal(review.rangeText(3600000, 3660000, 7200000, 0.0123456), '1:00:00 – 1:01:00 of 2:00:00 · 12 px/s');
});

test('the current cue is the one under the playhead; none between cues or at a cue end', () => {
  const cues = spans([0, 1000], [2000, 3000]);
  assert.equal(review.cueIndexAt(cues, 500), 0);
  assert.equal(review.cueIndexAt(cues, 1000), -1);
  assert.equal(review.cueIndexAt(cues, 1500), -1);
  assert.equal(review.cueIndexAt(cues, 1999.6), 1);     // half a millisecond early counts
  assert.equal(review.cueIndexAt(cues, 2999), 1);
  assert.equal(review.cueIndexAt([], 10), -1);
});

test('stepping goes to the neighbour of the problem being played, else from the playhead', () => {
  const problems = spans([1000, 1200], [5000, 9000], [20000, 20100]).map((p, id) => ({ ...p, id }));
  // On problem 1 (from 250 ms before its start to its end): its neighbours.
  assert.equal(review.stepTarget(problems, problems[1], 4800, 1), 2);
  assert.equal(review.stepTarget(problems, problems[1], 8999, -1), 0);
  // A short problem counts as played for 1.5 s after its start.
  assert.equal(review.stepTarget(problems, problems[0], 2400, 1), 1);
  // Away from the selected one: from the playhead.
  assert.equal(review.stepTarget(problems, problems[0], 12000, 1), 2);
  assert.equal(review.stepTarget(problems, null, 12000, -1), 1);
  assert.equal(review.stepTarget(problems, null, 1000, 1), 1);          // not the one starting now
  assert.equal(review.stepTarget(problems, null, 1300, -1), 0);          // 300 ms into it: back to its start
  assert.equal(review.stepTarget(problems, null, 1100, -1), -1);         // within 250 ms: the one before it
  assert.equal(review.stepTarget(problems, null, 900, -1), -1);          // nothing before: out of range
  assert.equal(review.stepTarget(problems, null, 30000, 1), 3);          // nothing after: out of range
  assert.equal(review.stepTarget(problems, problems[2], 20000, 1), 3);
});

test('omissions are problems: after gaps, before dropped text, with their kind as the rule', () => {
  const document = {
    violations: [{ cueNumber: 1, start: 1000, end: 2000, rule: 'cps' }],
    dropped: [{ start: 1000, end: 1500, rule: 'no-speech', text: 'la' }],
    gaps: [{ start: 1000, end: 4000, message: 'chunk failed' }],
    omissions: [{ start: 1000, end: 3000, kind: 'empty-join' }, { start: 0, end: 900, kind: 'left-out-sound' }],
  };
  const { problems } = review.buildProblems(document);
  assert.deepEqual(problems.map((p) => [p.kind, p.rule]), [
    ['omission', 'left-out-sound'], ['gap', 'gap'], ['omission', 'empty-join'], ['dropped', 'no-speech'],
    ['violation', 'cps'],
  ]);
  assert.match(review.describeProblem(problems[0]), /^omission \(left-out-sound\): left out of the upload/);
  assert.match(review.problemListText(problems[2]), /came back without words/);
  assert.equal(review.omissionText('something-new'), 'words may be missing here');
  // A document stored before omissions existed has none.
  assert.equal(review.buildProblems({ violations: [], dropped: [], gaps: [] }).problems.length, 0);
});

test('doubtful stretches become whole-pixel strips of the visible range, each at least a pixel wide', () => {
  const doubtful = spans([0, 1000], [5000, 5001], [9000, 20000]);
  // 0.01 px/ms, the view from 40 px (4 s) 60 px wide (to 10 s).
  assert.deepEqual(review.strips(doubtful, 40, 60, 0.01), [[10, 1], [50, 10]]);
  assert.deepEqual(review.strips(doubtful, 0, 100, 0.01), [[0, 10], [50, 1], [90, 10]]);
  assert.deepEqual(review.strips([], 0, 100, 0.01), []);
  assert.deepEqual(review.strips(doubtful, 300, 100, 0.01), []);
});
