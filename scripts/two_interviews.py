#!/usr/bin/env python3
"""Measures how the engine answers beside a second interview that has no notes and no English
rendering: the shipped interview is cut in two at the notes' stretch boundary nearest its middle,
the first half keeping its notes and English rendering (`epa`), the second half kept bare
(`epb`), each with its chapters; the answerable training questions whose gold lines lie wholly in
one half are asked of both, and each half's questions are scored — answered, right transcript,
top passage overlapping the gold lines and at most 12 lines long; the training questions the
interview does not answer are asked too, and their share declined is reported.

Usage: python3 scripts/two_interviews.py [BINARY [--no-semantic]] (default
target/release/interview-bot; `--no-semantic`: by words alone); the split data and its index are
kept in a temporary directory for the run.
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data/transcripts/openai-podcast-ep2"
MAX_LINES = 12


def split(data: pathlib.Path) -> int:
    """Writes the two halves into `data/transcripts`; returns the first line of the second."""
    shutil.copytree(ROOT / "data", data)
    for ext in [".txt", ".en.txt", ".toml", ".notes.jsonl"]:
        (data / "transcripts" / f"openai-podcast-ep2{ext}").unlink()
    lines = SHIPPED.with_suffix(".txt").read_text().splitlines()
    english = (SHIPPED.parent / "openai-podcast-ep2.en.txt").read_text().splitlines()
    notes_text = (SHIPPED.parent / "openai-podcast-ep2.notes.jsonl").read_text().splitlines()
    notes = [json.loads(line) for line in notes_text]
    cut = min((n["lines"][0] for n in notes), key=lambda s: abs(s - len(lines) // 2))
    head, *chapters = SHIPPED.with_suffix(".toml").read_text().split("\n[[chapters]]")
    chapters = ["[[chapters]]" + c + "\n" for c in chapters]

    def start(chapter):
        return int(re.search(r"start_line = (\d+)", chapter).group(1))

    first = [c for c in chapters if start(c) < cut]
    second = [c for c in chapters if start(c) >= cut]
    if not second or start(second[0]) != cut:
        second = [first[-1]] + second
    second = [
        re.sub(r"start_line = (\d+)", f"start_line = {1 if i == 0 else start(c) - cut + 1}", c, count=1)
        for i, c in enumerate(second)
    ]

    def metadata(id_):
        return (head + "\n").replace('"openai-podcast-ep2"', f'"{id_}"')

    out = data / "transcripts"
    (out / "epa.toml").write_text(metadata("epa") + "".join(first))
    (out / "epb.toml").write_text(metadata("epb") + "".join(second))
    (out / "epa.txt").write_text("\n".join(lines[: cut - 1]) + "\n")
    (out / "epa.en.txt").write_text("\n".join(english[: cut - 1]) + "\n")
    (out / "epb.txt").write_text("\n".join(lines[cut - 1 :]) + "\n")
    kept = [json.dumps(n, ensure_ascii=False) for n in notes if n["lines"][1] < cut]
    (out / "epa.notes.jsonl").write_text("\n".join(kept) + "\n")
    return cut


def questions(cut: int):
    """The answerable training questions wholly in one half, with that half's gold lines, and
    the unanswerable ones (half None)."""
    for line in (ROOT / "eval/train.jsonl").read_text().splitlines():
        q = json.loads(line)
        gold = q.get("gold") or []
        if not q.get("answerable", True):
            yield q["q"], None, []
            continue
        if not gold:
            continue
        if all(end < cut for _, end in gold):
            yield q["q"], "epa", gold
        elif all(start >= cut for start, _ in gold):
            yield q["q"], "epb", [[s - cut + 1, e - cut + 1] for s, e in gold]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/interview-bot")
    mode = sys.argv[2:3]
    with tempfile.TemporaryDirectory() as tmp:
        data = pathlib.Path(tmp) / "data"
        cut = split(data)
        asked = list(questions(cut))
        dirs = ["--data-dir", str(data), "--index-dir", str(pathlib.Path(tmp) / "index"), *mode]
        subprocess.run([binary, "index", *dirs], check=True, capture_output=True)
        lines = "".join(json.dumps({"q": q.replace("\n", " ")}, ensure_ascii=False) + "\n" for q, _, _ in asked)
        run = subprocess.run([binary, "ask", "--json", *dirs, "-"], input=lines, capture_output=True, text=True, check=True)
        answers = [json.loads(line) for line in run.stdout.splitlines()]
    print(f"cut at line {cut}: epa = lines 1-{cut - 1} with notes and English, epb = the rest, bare")
    all_hits = 0
    for half in ["epa", "epb"]:
        rows = [(gold, a) for (_, h, gold), a in zip(asked, answers) if h == half]
        hits = elsewhere = 0
        for gold, answer in rows:
            top = answer["results"][0] if answer["results"] else None
            elsewhere += bool(top and top["transcript"] != half)
            hits += bool(
                answer["answered"]
                and top
                and top["transcript"] == half
                and top["line_end"] - top["line_start"] < MAX_LINES
                and any(top["line_start"] <= e and s <= top["line_end"] for s, e in gold)
            )
        all_hits += hits
        print(f"{half}: {len(rows)} questions, hit1 {hits / len(rows):.3f}, top passage in the other transcript {elsewhere / len(rows):.3f}")
    answerable = sum(1 for _, half, _ in asked if half)
    print(f"both: {answerable} questions, hit1 {all_hits / answerable:.3f}")
    declined = [not a["answered"] for (_, half, _), a in zip(asked, answers) if half is None]
    print(f"unanswerable: {len(declined)} questions, declined {sum(declined) / len(declined):.3f}")


if __name__ == "__main__":
    main()
