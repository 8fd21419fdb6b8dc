(async () => {
  const timeline = document.getElementById('timeline');
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const marks = () => document.querySelectorAll('[data-cue],[data-problem]').length;
  const summary = (times) => {
    const sorted = times.slice().sort((a, b) => a - b);
    return {steps: sorted.length, median: sorted[sorted.length >> 1],
            p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))], max: sorted[sorted.length - 1]};
  };
  // One step: move, render, and force the style and layout it causes, timed together.
  const step = (change) => {
    const began = performance.now();
    change();
    review.render();
    void document.body.offsetHeight;
    return performance.now() - began;
  };
  const scroll = [];
  for (const pixelsPerSecond of [null, 10, 100, 1000]) {
    if (pixelsPerSecond === null) review.fit(); else review.zoomTo(pixelsPerSecond);
    await frame();
    const width = timeline.scrollWidth - timeline.clientWidth;
    const times = [];
    let most = 0;
    for (let index = 0; index <= 100; index++) {
      times.push(step(() => { timeline.scrollLeft = width * index / 100; }));
      most = Math.max(most, marks());
      await frame();
    }
    scroll.push(Object.assign({pixelsPerSecond: review.pixelsPerSecond, mostMarks: most}, summary(times)));
  }
  review.fit();
  const duration = review.visibleRange().to;
  review.scrollToTime(duration / 2);
  const fit = review.pixelsPerSecond;
  const levels = [];
  for (let index = 0; index < 12; index++) levels.push(fit * Math.pow(1000 / fit, index / 11));
  const zoomTimes = [];
  let most = 0;
  for (const level of levels.concat(levels.slice().reverse())) {
    zoomTimes.push(step(() => {
      const before = review.visibleRange();
      review.zoomTo(level);
      const after = review.visibleRange();
      review.scrollToTime((before.from + before.to) / 2 - (after.to - after.from) / 2);
    }));
    most = Math.max(most, marks());
    await frame();
  }
  return {scroll, zoom: Object.assign({mostMarks: most}, summary(zoomTimes))};
})()
