"""The translation benchmark's figures (scripts/bench-translate).

    translate_bench.py oracle LAYOUT.json OUT.de.srt REFERENCE.en.srt
        the German programme's sentences on their times, and their English references on the same times
    translate_bench.py report SOURCE.de.srt REFERENCE.en.srt RESULTS.json NAME TITLE [NAME TITLE ...]
        reads each run's folder (beside RESULTS.json: NAME/*.srt, report.json, time, rc), prints a table, writes
        RESULTS.json

Needs sacrebleu (chrF) and langid (the language of every cue), installed by scripts/bench-translate.
"""
import json
import os
import re
import sys

from sync_bench import read_srt, timestamp   # the benchmarks' one SRT reader and time format

# The English of every sentence scripts/generate/programme.py speaks in its German programme (written for this
# benchmark: the generator synthesised the speech from the German, so these are the references).
REFERENCES = {
    "Guten Abend und herzlich willkommen zu unserer Sendung.": "Good evening and a warm welcome to our programme.",
    "Heute sprechen wir über das Wetter in Berlin und Brandenburg.": "Today we talk about the weather in Berlin and Brandenburg.",
    "Am Morgen ist es kalt und neblig, aber am Nachmittag scheint die Sonne.": "In the morning it is cold and foggy, but in the afternoon the sun shines.",
    "Die Temperaturen steigen auf zwölf bis fünfzehn Grad.": "Temperatures rise to twelve to fifteen degrees.",
    "In der Nacht wird es wieder kühler, und im Norden kann es regnen.": "At night it gets cooler again, and it may rain in the north.",
    "Morgen bleibt es meistens trocken, nur an der Küste weht ein frischer Wind.": "Tomorrow it stays mostly dry; only on the coast a fresh wind blows.",
    "Die Bauern freuen sich über den Regen der letzten Woche.": "The farmers are glad of last week's rain.",
    "Viele Familien fahren am Wochenende an die Seen.": "Many families go to the lakes at the weekend.",
    "Der Zug nach Hamburg fährt heute eine halbe Stunde später ab.": "The train to Hamburg leaves half an hour later today.",
    "Auf der Autobahn gibt es zwischen Potsdam und Berlin einen langen Stau.": "There is a long traffic jam on the motorway between Potsdam and Berlin.",
    "Die Stadt plant einen neuen Park am Ufer der Spree.": "The city is planning a new park on the bank of the Spree.",
    "Im Museum beginnt am Samstag eine Ausstellung über alte Karten.": "On Saturday an exhibition about old maps opens at the museum.",
    "Die Bibliothek hat jetzt auch am Sonntag geöffnet.": "The library is now open on Sundays too.",
    "Die Schüler haben einen Garten hinter der Schule angelegt.": "The pupils have made a garden behind the school.",
    "Auf dem Markt gibt es frisches Brot, Käse und Äpfel aus der Region.": "At the market there is fresh bread, cheese and apples from the region.",
    "Der Bürgermeister will die alte Brücke noch vor dem Winter reparieren.": "The mayor wants to repair the old bridge before the winter.",
    "Die Feuerwehr hat ihr neues Haus im Zentrum eröffnet.": "The fire brigade has opened its new station in the centre.",
    "Am Abend spielt das Orchester auf dem großen Platz.": "In the evening the orchestra plays on the main square.",
    "Viele Menschen warten schon seit dem Mittag auf das Konzert.": "Many people have been waiting for the concert since midday.",
    "Im Herbst werden die Tage kürzer und die Nächte länger.": "In autumn the days get shorter and the nights longer.",
    "Die Kinder sammeln im Wald Kastanien und bunte Blätter.": "The children gather chestnuts and colourful leaves in the forest.",
    "Der Hafen bekommt im nächsten Jahr neue Kräne.": "The harbour gets new cranes next year.",
    "Das war das Wetter für heute.": "That was the weather for today.",
    "Vielen Dank fürs Zuhören und bis morgen.": "Thank you for listening, and see you tomorrow.",
}


def write_srt(path, cues):
    """(start s, end s, text) cues, one line each, as written (no re-breaking: the model gets the sentence whole)."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for n, (start, end, text) in enumerate(cues, 1):
            out.write(f"{n}\n{timestamp(start)} --> {timestamp(end)}\n{text}\n\n")


def oracle(layout_path, source_path, reference_path):
    sentences = json.load(open(layout_path))["sentences"]
    missing = [s["text"] for s in sentences if s["text"] not in REFERENCES]
    if missing:
        sys.exit(f"translate_bench: no reference for {missing[0]!r}")
    write_srt(source_path, [(s["start"], s["end"], s["text"]) for s in sentences])
    write_srt(reference_path, [(s["start"], s["end"], REFERENCES[s["text"]]) for s in sentences])


def clean(text):
    return re.sub(r"<[^>]+>|\{[^}]*\}", "", text).strip()


def report(source_path, reference_path, results_path, runs):
    import langid
    import sacrebleu
    langid.set_languages(["de", "en"])
    chrf = sacrebleu.CHRF()
    source = read_srt(source_path)
    references = read_srt(reference_path)
    base = os.path.dirname(results_path)
    results = []
    for name, title in zip(runs[::2], runs[1::2]):
        folder = os.path.join(base, name)
        outputs = sorted(f for f in os.listdir(folder) if f.endswith(".srt"))
        rc = int(open(os.path.join(folder, "rc")).read())
        wall, rss = open(os.path.join(folder, "time")).read().split()[-2:]
        row = {"name": name, "title": title, "exit": rc, "wall": float(wall), "rssMB": int(rss) / 1024}
        try:
            summary = json.load(open(os.path.join(folder, "report.json")))
        except (OSError, ValueError):
            summary = None
        statistics = None
        if isinstance(summary, list) and summary and summary[0].get("targets"):
            target = summary[0]["targets"][0]
            statistics = target.get("statistics")
            row["failedCues"] = len(target.get("failures") or [])
        if statistics:
            row.update({k: statistics.get(k) for k in ("requests", "promptTokens", "completionTokens", "reasks", "splits")})
        if not outputs:
            row["cues"] = 0
            results.append(row)
            continue
        cues = read_srt(os.path.join(folder, outputs[0]))
        texts = [clean(c["text"]) for c in cues]
        languages = [langid.classify(t)[0] if t else "empty" for t in texts]
        row["cues"] = len(cues)
        row["english"] = languages.count("en")
        row["german"] = languages.count("de")
        row["document_chrF"] = chrf.corpus_score([" ".join(texts)], [[" ".join(c["text"] for c in references)]]).score
        aligned = len(cues) == len(source) and all(
            (c["start"], c["end"]) == (s["start"], s["end"]) for c, s in zip(cues, source))
        row["timesKept"] = aligned if name.startswith("chat") else None
        if aligned:
            row["cue_chrF"] = chrf.corpus_score(texts, [[c["text"] for c in references]]).score
        results.append(row)
    json.dump({"sourceCues": len(source), "runs": results}, open(results_path, "w"), indent=2)

    def cell(value, form="{}"):
        return "-" if value is None else form.format(value)
    header = ["run", "exit", "cues", "times kept", "English", "German", "chrF per cue", "chrF text",
              "requests", "tokens in/out", "re-asks/splits", "wall", "memory"]
    rows = []
    for r in results:
        tokens = None if r.get("promptTokens") is None else f"{r['promptTokens']}/{r['completionTokens']}"
        fixes = None if r.get("reasks") is None else f"{r['reasks']}/{r['splits']}"
        kept = r.get("timesKept")
        rows.append([r["title"], r["exit"], f"{r['cues']} of {len(source)}" if kept is not None else r["cues"],
                     cell(None if kept is None else ("yes" if kept else "NO")), cell(r.get("english")),
                     cell(r.get("german")), cell(r.get("cue_chrF"), "{:.1f}"), cell(r.get("document_chrF"), "{:.1f}"),
                     cell(r.get("requests")), cell(tokens), cell(fixes), f"{r['wall']:.1f} s", f"{r['rssMB']:.0f} MB"])
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "oracle":
        oracle(*sys.argv[2:])
    elif len(sys.argv) >= 7 and sys.argv[1] == "report" and len(sys.argv[5:]) % 2 == 0:
        report(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        sys.exit(__doc__)
