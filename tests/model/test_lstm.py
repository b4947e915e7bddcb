import torch

from model.config import PRESETS
from model.lstm import MelodyLSTM, load_checkpoint, save_checkpoint
from model.vocab import Vocab


def make_model(seed: int = 0) -> tuple[MelodyLSTM, Vocab]:
    torch.manual_seed(seed)
    vocab = Vocab.for_melodies()
    return MelodyLSTM(PRESETS["default"], len(vocab)).eval(), vocab


@torch.no_grad()
def test_incremental_steps_match_a_full_forward_pass():
    model, vocab = make_model()
    tokens = torch.randint(1, len(vocab), (3, 12))
    full, _ = model(tokens)
    state = None
    logits, state = model(tokens[:, :1])
    steps = [logits[:, 0]]
    for t in range(1, 12):
        step_logits, state = model.step(tokens[:, t], state)
        steps.append(step_logits)
    torch.testing.assert_close(torch.stack(steps, 1), full, atol=1e-5, rtol=1e-4)


@torch.no_grad()
def test_prefill_of_ragged_prompts_matches_each_prompt_alone():
    model, _vocab = make_model()
    prompts = [[5, 6, 7, 8, 9], [10, 11], [12, 13, 14]]
    logits, (h, _c) = model.prefill(prompts)
    for i, prompt in enumerate(prompts):
        alone, (h1, _c1) = model(torch.tensor([prompt]))
        torch.testing.assert_close(logits[i], alone[0, -1], atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(h[:, i], h1[:, 0], atol=1e-5, rtol=1e-4)


def test_checkpoint_carries_config_and_vocabulary(tmp_path):
    model, vocab = make_model()
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, vocab, metrics={"best_valid_nll": 1.5})
    loaded, loaded_vocab, info = load_checkpoint(path)
    assert loaded_vocab.itos == vocab.itos
    assert loaded.config == model.config
    assert info["metrics"]["best_valid_nll"] == 1.5
    for a, b in zip(model.state_dict().values(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b)
