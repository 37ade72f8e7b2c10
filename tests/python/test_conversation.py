"""Conversation rendering and layouts against the upstream Python code paths, through `pairrm tokenize`.

- PairRM (llm-blender template): LLM-Blender's compare_conversations strings (instruction glued to
  "USER: ...\\nAssistant: <Response i>" lines; candidates "<Response i>: ..."), laid out by the
  PairRM-hf model card's tokenize_pair.
- Better-PairRM: reward-bench's tokenize_conv_pair: its jinja template (reference data below, as
  published in rewardbench/models/betterpairrm.py), text pre-truncation (2030 ids from the left for
  the source, 670 from the right for candidates, decoded back to text), then its tokenize_pair
  (marker encoded on its own, source truncated on the left)."""
import pytest

import reference
import upstream
from helpers import jsonl, run

INSTRUCTION = "Finish the following coversation in each i-th turn by filling in <Response i> with your response."


def u(t):
    return {"role": "user", "content": t}


def a(t):
    return {"role": "assistant", "content": t}


def s(t):
    return {"role": "system", "content": t}


CONVERSATIONS = {
    "1 turn": [u("What is 2+2?")],
    "2 turns": [u("hi"), a("Hello! How can I help?"), u("Tell me a joke.")],
    "5 turns": [u("q1"), a("a1"), u("q2  with   spaces"), a("a2\nline"), u("q3"), a("a3"), u("q4"), a(""), u("q5 last")],
    "empty turns": [u(""), a(""), u("  padded  ")],
}
CANDIDATES = ["Sure: 4.", "Why did the chicken cross the road?", ""]


def llm_blender_strings(conv_a, conv_b):
    """LLM-Blender's compare_conversations, restated: returns (source, cand1, cand2)."""
    source = INSTRUCTION + "\n".join("USER: " + conv_a[i]["content"] + f"\nAssistant: <Response {i // 2 + 1}>" for i in range(0, len(conv_a), 2))
    c1 = "\n".join(f"<Response {i // 2 + 1}>: " + conv_a[i]["content"] for i in range(1, len(conv_a), 2))
    c2 = "\n".join(f"<Response {i // 2 + 1}>: " + conv_b[i]["content"] for i in range(1, len(conv_b), 2))
    return source, c1, c2


def reward_bench_ids(tok, conv_a, conv_b):
    """reward-bench's own tokenize_conv_pair (rewardbench/models/betterpairrm.py)."""
    enc = upstream.betterpairrm().tokenize_conv_pair(tok, [conv_a], [conv_b])
    return enc["input_ids"][0][enc["attention_mask"][0].bool()].tolist()


def tokenize(model, rows, extra=()):
    return jsonl(run(["tokenize", "-m", model] + list(extra), rows).stdout)


@pytest.mark.parametrize("name", list(CONVERSATIONS))
def test_pairrm_conversations_follow_llm_blender(models, fast, name):
    messages = CONVERSATIONS[name]
    rows = [{"messages": messages, "a": CANDIDATES[0], "b": CANDIDATES[1]}]
    got = tokenize(models["pairrm"], rows)[0]["input_ids"]
    source, c1, c2 = llm_blender_strings(messages + [a(CANDIDATES[0])], messages + [a(CANDIDATES[1])])
    assert got == reference.model_card_ids(fast, source, c1, c2)


@pytest.mark.parametrize("name", list(CONVERSATIONS))
def test_pairrm_whole_conversation_pairs(models, fast, name):
    messages = CONVERSATIONS[name]
    conv_a, conv_b = messages + [a(CANDIDATES[1])], messages + [a(CANDIDATES[2])]
    got = tokenize(models["pairrm"], [{"conversation_a": conv_a, "conversation_b": conv_b}])[0]["input_ids"]
    assert got == reference.model_card_ids(fast, *llm_blender_strings(conv_a, conv_b))


@pytest.mark.parametrize("name", list(CONVERSATIONS) + ["system"])
def test_better_pairrm_follows_reward_bench(models, fast, name):
    messages = CONVERSATIONS.get(name) or [s("You are terse."), u("hi"), a("hello"), u("2+2?")]
    pairs = ((CANDIDATES[0], CANDIDATES[1]), (CANDIDATES[2], CANDIDATES[0]))
    if name == "system":
        # reward-bench asserts that even-indexed turns agree; after a system turn that includes the
        # final answers, so upstream runs these only with equal candidates.
        pairs = ((CANDIDATES[0], CANDIDATES[0]), (CANDIDATES[1], CANDIDATES[1]))
    for cand_a, cand_b in pairs:
        want = reward_bench_ids(fast, messages + [a(cand_a)], messages + [a(cand_b)])
        got_messages = tokenize(models["better-pairrm"], [{"messages": messages, "a": cand_a, "b": cand_b}])[0]["input_ids"]
        got_pair = tokenize(models["better-pairrm"], [{"conversation_a": messages + [a(cand_a)],
                                                       "conversation_b": messages + [a(cand_b)]}])[0]["input_ids"]
        assert got_messages == want
        assert got_pair == want


def test_better_pairrm_plain_prompt_is_one_user_turn(models, fast):
    got = tokenize(models["better-pairrm"], [{"prompt": "What is 2+2?", "a": "4", "b": "5"}])[0]["input_ids"]
    assert got == reward_bench_ids(fast, [u("What is 2+2?"), a("4")], [u("What is 2+2?"), a("5")])


def test_long_conversations_keep_their_end(models, fast):
    messages = []
    for i in range(120):
        messages += [u(f"question number {i} " + "words " * 20), a(f"answer {i} " + "more " * 20)]
    messages.append(u("FINAL QUESTION"))
    long_answer = "token " * 1500
    want = reward_bench_ids(fast, messages + [a(long_answer)], messages + [a("short")])
    got = tokenize(models["better-pairrm"], [{"messages": messages, "a": long_answer, "b": "short"}])[0]
    assert got["input_ids"] == want
    ids = got["input_ids"]
    src_end = got["marker_positions"][1] - 1
    assert src_end == 2030  # the source is full
    tail = fast.encode("FINAL QUESTION ASSISTANT:", add_special_tokens=False)
    assert ids[src_end - 1 - len(tail):src_end - 1] == tail  # ... and ends with the last user turn
    # reward-bench caps candidates at 670 ids even when the source leaves room
    short_src = tokenize(models["better-pairrm"], [{"prompt": "hi", "a": long_answer, "b": "x"}])[0]
    c1_len = short_src["marker_positions"][2] - short_src["marker_positions"][1]
    assert c1_len == 670 + 3


@pytest.mark.parametrize("row,field,message", [
    ({"messages": [{"role": "robot", "content": "x"}], "a": "1", "b": "2"}, "messages[0].role", "unknown role"),
    ({"messages": [], "a": "1", "b": "2"}, "messages", "empty conversation"),
    ({"messages": [u("x"), a("y")], "a": "1", "b": "2"}, "messages", "must end with a user turn"),
    ({"messages": [s("sys"), u("x")], "a": "1", "b": "2"}, "messages[0].role", "system turn"),
    ({"messages": [{"role": "user"}], "a": "1", "b": "2"}, "messages[0].content", "missing"),
    ({"conversation_a": [u("q"), a("x")], "conversation_b": [u("q?"), a("y")]}, "conversation_b[0].content", "user turns differ"),
    ({"conversation_a": [u("q"), a("x")], "conversation_b": [u("q"), a("y"), u("more"), a("z")]}, "conversation_b", "turns"),
    ({"prompt": "p", "messages": [u("q")], "a": "1", "b": "2"}, "prompt", "either"),
])
def test_bad_conversations_give_located_errors(models, row, field, message):
    proc = run(["tokenize", "-m", models["pairrm"]], [row], check=False)
    assert proc.returncode == 2
    err = jsonl(proc.stdout)[0]["error"]
    assert err["line"] == 1 and err["field"] == field and message in err["message"], err
