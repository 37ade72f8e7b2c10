"""The SentencePiece model that goes into a pairrm model file.

PairRM is run through the Hugging Face FAST tokenizer, which transformers converts from spm.model
without byte fallback: a character outside the vocabulary becomes [UNK] there, not a run of byte
pieces. We switch byte fallback off in the model's trainer spec so that SentencePiece itself
behaves like the fast tokenizer (docs/model.md section 5.1)."""
import hashlib
import os
import tempfile

from sentencepiece import sentencepiece_model_pb2


def without_byte_fallback(spm_bytes: bytes) -> bytes:
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(spm_bytes)
    proto.trainer_spec.byte_fallback = False
    # SentencePiece refuses byte pieces without byte fallback; as UNUSED pieces they keep their ids
    # and are never produced.
    for piece in proto.pieces:
        if piece.type == sentencepiece_model_pb2.ModelProto.SentencePiece.BYTE:
            piece.type = sentencepiece_model_pb2.ModelProto.SentencePiece.UNUSED
    return proto.SerializeToString()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def piece_count(spm_bytes: bytes) -> int:
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(spm_bytes)
    return len(proto.pieces)


def train_demo_spm(text_lines, vocab_size: int = 400) -> bytes:
    """A small SentencePiece model with DeBERTa-v3's special ids ([PAD] 0, [CLS] 1, [SEP] 2,
    [UNK] 3), for the demo when the real DeBERTa-v3 spm.model is not at hand."""
    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("\n".join(text_lines))
        prefix = os.path.join(tmp, "demo")
        spm.SentencePieceTrainer.train(
            input=corpus, model_prefix=prefix, vocab_size=vocab_size, model_type="unigram",
            pad_id=0, bos_id=1, eos_id=2, unk_id=3, pad_piece="[PAD]", bos_piece="[CLS]",
            eos_piece="[SEP]", unk_piece="[UNK]", normalization_rule_name="nmt_nfkc",
            hard_vocab_limit=False, minloglevel=2,
        )
        with open(prefix + ".model", "rb") as f:
            return f.read()
