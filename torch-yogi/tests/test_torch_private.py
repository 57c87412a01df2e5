"""Every underscore name of torch that torch_yogi uses is listed in torch_yogi._torch_private;
this fails loudly when an upgrade of torch removes one, and when the package starts to use an
unlisted one."""
import inspect
import pathlib
import re

import torch

from torch_yogi import _torch_private

SOURCE = pathlib.Path(_torch_private.__file__).parent


def test_every_listed_name_still_exists_in_this_torch():
    for name in _torch_private.FOREACH:
        assert callable(getattr(torch, "_foreach_" + name, None)), f"torch._foreach_{name} is gone"
    grad_scaler = inspect.getsource(torch.amp.GradScaler)
    assert f'"{_torch_private.AMP_SCALING_ATTRIBUTE}"' in grad_scaler, "GradScaler no longer reads the fused flag"
    t = torch.zeros(2)
    before = getattr(t, _torch_private.VERSION_ATTRIBUTE)
    t.add_(1)
    assert getattr(t, _torch_private.VERSION_ATTRIBUTE) == before + 1


def test_no_module_reaches_torch_internals_outside_the_list():
    pattern = re.compile(r"torch\.(?:[A-Za-z]\w*\.)*_\w+")
    for path in SOURCE.glob("*.py"):
        if path.name == "_torch_private.py":
            continue
        found = pattern.findall(path.read_text())
        assert not found, f"{path.name} uses {found}: list them in _torch_private.py"
    for path in SOURCE.glob("*.py"):
        text = path.read_text()
        assert "_dynamo" not in text and "monkeypatch" not in text, path.name
