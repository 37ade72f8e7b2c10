"""A deterministic, varied set of prompts, conversations and candidates for the conformance tests.

Texts run from a few ids to well past the recipes' limits (so cuts land at many positions, inside
words too), with the punctuation transformers' clean_up_tokenization rewrites, characters outside
the vocabulary (emoji, rare CJK, rare scripts: [UNK] in the fast tokenizer), whitespace runs,
newlines and Unicode spaces. Left out on purpose: text that spells a control token ("[SEP]",
"<|source|>", ...), which we keep as plain text where upstream turns it into the control id
(docs/conversations.md)."""
import random

WORDS = ("the of and to in is you that it he was for on are as with his they at be this from have or by one had "
         "not but what all were when we there can an your which their said if do will each about how up out them "
         "then she many some so these would other into has more her two like him see time could no make than first "
         "been its who now people my made over did down only way find use may water long little very after words "
         "called just where most know get through back much before go good new write our used me man too any day "
         "same right look think also around another came come work three word must because does part even place "
         "well such here take why things help put years different away again off went old number great tell men "
         "say small every found still between name should home big give air line set own under read last never us "
         "left end along while might next sound below saw something thought both few those always looked show large "
         "often together asked house don't world going want school important until form food keep children feet land "
         "side without boy once animals life enough took sometimes four head above kind began almost live page got "
         "earth need far hand high year mother light parts country father let night following picture being study "
         "second eyes soon times story boys since white days ever paper hard near sentence better best across during "
         "today others however sure means knew it's try told young miles sun ways thing whole hear example heard "
         "several change answer room sea against top turned learn point city play toward five using himself usually").split()
RARE_WORDS = ["internationalization", "pneumonoultramicroscopicsilicovolcanoconiosis", "antidisestablishmentarianism",
              "supercalifragilisticexpialidocious", "Llanfairpwllgwyngyll", "xylophonist", "qwertyuiop",
              "aaaaaaaaaaaaaaaa", "hhhhhhhh", "0000000000", "--------", "........", "!!!!", "????", "café", "naïve",
              "cafe\u0301", "Ångström", "straße", "ﬁnance", "Ｆｕｌｌｗｉｄｔｈ", "①②③", "x²", "½"]
# What clean_up_tokenization rewrites, and its neighbours.
CLEANUP = [" .", " ?", " !", " ,", " ' ", " n't", " 's", " 'm", " 've", " 're", " ' s", " .", "n't", "'s", " ''",
           " ,,", " . . .", " ?!", "don 't", "it 's", "I 'm", "we 've", "they 're", "' ", " '"]
UNKNOWN = ["😀", "🤖", "👍🏽", "👨\u200d👩\u200d👧", "🦄🦄", "你好", "世界", "漢字", "日本語", "한국어", "𠀋", "龘", "ᚠᚢᚦ",
           "𓀀", "ꦲꦏ", "༺", "𝄞", "ⴰⵣ", "ᐊᐃ", "ꓮꓯ", "\u0f3a\u0f3b", "∰", "⨌", "🝖", "\ue000", "Ω≈ç√"]
SPACES = ["  ", "   ", " \t ", "\t", "\n", "\n\n", "\n\n\n", "\r\n", " \n ", "\u00a0", "\u3000", "\u2003", "\u2009 ",
          "\u200b", "\x0b", "\x1f"]
CODE = ["x = 42;", "def f(a, b):", "<div class=\"x\">", "{\"a\": [1, 2]}", "i++", "a->b", "C:\\path\\file", "#include <x>",
        "$HOME", "50%", "3.14", "1,000", "e-mail", "U.S.A.", "(see above)", "\"quoted\"", "'single'", "<0x41>", "`code`"]


def text(rng: random.Random, n_words: int) -> str:
    out = []
    for _ in range(n_words):
        r = rng.random()
        if r < 0.70:
            w = rng.choice(WORDS)
        elif r < 0.76:
            w = rng.choice(RARE_WORDS)
        elif r < 0.84:
            w = rng.choice(CLEANUP)
        elif r < 0.90:
            w = rng.choice(UNKNOWN)
        elif r < 0.95:
            w = rng.choice(CODE)
        else:
            w = str(rng.randrange(10 ** rng.randrange(1, 8)))
        out.append(w)
        r = rng.random()
        out.append("" if r < 0.08 else rng.choice(SPACES) if r < 0.16 else " ")
    s = "".join(out)
    r = rng.random()
    if r < 0.1:
        s = rng.choice(SPACES) + s  # leading whitespace
    elif r < 0.2:
        s = s + rng.choice(SPACES)
    return s


def length(rng: random.Random, long_bias: float) -> int:
    """Words: few, medium, around the limits, or well past them."""
    r = rng.random()
    if r < 0.15:
        return rng.randrange(0, 6)
    if r < 0.45 - long_bias:
        return rng.randrange(6, 300)
    if r < 0.85:
        return rng.randrange(300, 1400)
    return rng.randrange(1400, 3200)


def conversation(rng: random.Random, system: bool):
    """Messages ending with a user turn (the candidates are the next assistant turn)."""
    turns = 1 if rng.random() < 0.55 else rng.randrange(2, 7)
    messages = []
    if system:
        messages.append({"role": "system", "content": text(rng, rng.randrange(0, 40))})
    for i in range(turns):
        if i:
            messages.append({"role": "assistant", "content": text(rng, rng.randrange(0, 400))})
        messages.append({"role": "user", "content": text(rng, length(rng, 0.1) // (1 if turns == 1 else 2))})
    return messages


def pairs(n: int, seed: int = 2026, system_share: float = 0.0):
    """n rows: {"messages", "a", "b"}; some candidates equal (upstream asserts nothing on them)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        messages = conversation(rng, rng.random() < system_share)
        a = text(rng, length(rng, 0.0))
        b = a if rng.random() < 0.03 else text(rng, length(rng, 0.0))
        rows.append({"messages": messages, "a": a, "b": b})
    return rows
