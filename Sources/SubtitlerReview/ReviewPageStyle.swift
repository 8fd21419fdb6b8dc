extension ReviewPage {
    /// The page's style sheet: light and dark colours (`prefers-color-scheme`), a layout for 1280×720 and up.
    /// The timeline's canvas reads its colours from the custom properties here.
    static let style = #"""
:root {
  color-scheme: light dark;
  --bg: #f4f5f7; --panel: #ffffff; --fg: #1b1e23; --muted: #555c66; --border: #d3d7de; --accent: #1c62d6;
  --cue-ok: #c5e8d6; --cue-ok-edge: #23805c; --cue-ok-text: #0d2a1f;
  --cue-bad: #ffd8a8; --cue-bad-edge: #c2410c; --cue-bad-text: #3b1a02;
  --violation: #d9303a; --dropped: #7048e8; --dropped-fill: #e1d8ff; --gap: #6c727c;
  --cut: #1c62d6; --cut-speech: #d9303a; --energy: #a4acb8; --speech: #1c62d6; --playhead: #d6336c;
  --ruler: #6b727d; --lane: #eef0f3; --selected: #111418; --notice: #fff3bf; --notice-text: #3d3000;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #131518; --panel: #1c1f23; --fg: #e4e7eb; --muted: #a2a9b3; --border: #363b43; --accent: #6ea8fe;
    --cue-ok: #1d4a38; --cue-ok-edge: #4fc08d; --cue-ok-text: #e3fbef;
    --cue-bad: #5a3210; --cue-bad-edge: #ff922b; --cue-bad-text: #fff0df;
    --violation: #ff6b6b; --dropped: #a48bff; --dropped-fill: #34295c; --gap: #8b929c;
    --cut: #6ea8fe; --cut-speech: #ff6b6b; --energy: #5b6470; --speech: #4dabf7; --playhead: #f06595;
    --ruler: #98a0aa; --lane: #23272c; --selected: #ffffff; --notice: #4a3c00; --notice-text: #fff3bf;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body {
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  background: var(--bg); color: var(--fg);
  display: grid; grid-template-rows: auto minmax(0, 1fr) auto auto; grid-template-columns: minmax(0, 1fr);
  height: 100vh; min-width: 960px;
}
button, select, input { font: inherit; color: inherit; }
button {
  background: var(--panel); border: 1px solid var(--border); border-radius: 4px; padding: 2px 8px; cursor: pointer;
}
button:hover { border-color: var(--accent); }
button:focus-visible, [tabindex]:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
header {
  display: flex; align-items: baseline; gap: 14px; padding: 6px 12px;
  background: var(--panel); border-bottom: 1px solid var(--border);
}
header h1 { font-size: 15px; margin: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#headline { color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#main {
  display: grid; grid-template-columns: minmax(0, 1fr) minmax(330px, 40%); gap: 10px;
  padding: 8px 12px; min-height: 0;
}
#player { display: flex; flex-direction: column; gap: 6px; min-height: 0; }
#video { flex: 1 1 auto; min-height: 120px; width: 100%; background: #000; border-radius: 4px; object-fit: contain; }
#transport { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
#clock { font-variant-numeric: tabular-nums; min-width: 13em; }
#notice { background: var(--notice); color: var(--notice-text); padding: 4px 8px; border-radius: 4px; }
#notice:empty { display: none; }
#side { display: flex; flex-direction: column; gap: 6px; min-height: 0; overflow: hidden; }
#side h2 { font-size: 13px; margin: 2px 0 0; }
#summary { border-collapse: collapse; width: 100%; }
#summary th, #summary td { text-align: left; padding: 1px 6px; border-bottom: 1px solid var(--border); vertical-align: top; }
#summary th { color: var(--muted); font-weight: normal; white-space: nowrap; }
#summary td { font-variant-numeric: tabular-nums; }
#summary td.bad { color: var(--violation); font-weight: 600; }
#warnings { color: var(--muted); margin: 0; padding-left: 18px; }
#problem-list {
  flex: 1 1 auto; min-height: 60px; overflow: auto; margin: 0; padding: 0; list-style: none;
  border: 1px solid var(--border); border-radius: 4px; background: var(--panel);
}
#problem-list li { padding: 2px 6px; cursor: pointer; border-bottom: 1px solid var(--border); white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
#problem-list li:hover, #problem-list li.selected { background: var(--lane); }
#problem-list .when { font-variant-numeric: tabular-nums; color: var(--muted); margin-right: 6px; }
#problem-list .tag { font-weight: 600; margin-right: 6px; }
#problem-list .tag.violation { color: var(--violation); }
#problem-list .tag.dropped { color: var(--dropped); }
#problem-list .tag.gap { color: var(--gap); }
#problem-list li.none { color: var(--muted); cursor: default; }
#timeline-pane { padding: 0 12px 4px; min-width: 0; }
#toolbar { display: flex; align-items: center; gap: 6px; padding: 2px 0 4px; flex-wrap: wrap; }
#range { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: auto; }
.legend { display: inline-flex; align-items: center; gap: 4px; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 10px; border-radius: 2px; border: 1px solid transparent; }
.swatch.ok { background: var(--cue-ok); border-color: var(--cue-ok-edge); }
.swatch.bad { background: var(--cue-bad); border-color: var(--cue-bad-edge); }
.swatch.violation { background: var(--violation); }
.swatch.dropped { background: var(--dropped-fill); border-color: var(--dropped); }
.swatch.speech { background: var(--speech); height: 3px; }
.swatch.energy { background: var(--energy); }
.swatch.chunk { width: 2px; background: var(--cut); }
#timeline {
  position: relative; overflow-x: auto; overflow-y: hidden; border: 1px solid var(--border); border-radius: 4px;
  background: var(--panel); outline: none; scrollbar-width: thin;
}
#content { position: relative; height: 158px; min-width: 100%; }
#activity { position: sticky; left: 0; display: block; }
#layers { position: absolute; inset: 0; overflow: hidden; }
.mark { position: absolute; cursor: pointer; border-radius: 3px; overflow: hidden; white-space: pre; contain: strict; }
.mark.cue {
  top: 82px; height: 30px; padding: 1px 4px; font-size: 11px; line-height: 14px;
  background: var(--cue-ok); color: var(--cue-ok-text); border: 1px solid var(--cue-ok-edge);
}
.mark.cue[data-status="violation"] { background: var(--cue-bad); color: var(--cue-bad-text); border-color: var(--cue-bad-edge); }
.mark.cue.current { box-shadow: inset 0 0 0 2px var(--playhead); }
.mark.violation { height: 6px; background: var(--violation); }
.mark.dropped {
  top: 138px; height: 14px; border: 1px solid var(--dropped); color: var(--dropped); font-size: 10px; line-height: 12px;
  padding: 0 3px; background: repeating-linear-gradient(135deg, var(--dropped-fill) 0 4px, transparent 4px 8px);
}
.mark.gap {
  top: 138px; height: 14px; border: 1px dashed var(--gap);
  background: repeating-linear-gradient(45deg, var(--lane) 0 4px, transparent 4px 8px);
}
.mark.selected { outline: 2px solid var(--selected); outline-offset: 0; z-index: 2; }
/* A cut is a dashed line across the lanes; only its part over the activity map takes clicks. */
.cut { position: absolute; top: 18px; bottom: 0; width: 0; border-left: 2px dashed var(--cut); pointer-events: none; }
.cut[data-in-pause="false"] { border-left-color: var(--cut-speech); }
.cut.selected { border-left-style: solid; }
.cut::before { content: ""; position: absolute; left: -4px; width: 6px; top: 0; height: 60px; cursor: pointer;
  pointer-events: auto; }
#playhead { position: absolute; top: 0; bottom: 0; width: 2px; margin-left: -1px; background: var(--playhead);
  pointer-events: none; z-index: 3; will-change: transform; }
#details { height: 5.9em; overflow: auto; padding: 4px 2px 0; }
#details .head { font-weight: 600; }
#details .head .meta { font-weight: normal; }
#details .meta { color: var(--muted); font-variant-numeric: tabular-nums; }
#details .text { white-space: pre-wrap; }
footer { padding: 3px 12px 6px; color: var(--muted); border-top: 1px solid var(--border); background: var(--panel); }
kbd { border: 1px solid var(--border); border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; font: 11px monospace; }
"""#
}
