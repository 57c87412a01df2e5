"""The code of the practitioner page (docs/*/practice.md): ``torch_yogi.Yogi`` in training code.

``python -m snippets.practice`` runs the page's code blocks in page order. Each section is one
code block of the page and runs on its own with torch and the torch-yogi package (``pip install
./torch-yogi``); it all sits under ``__main__``, so importing this module needs torch alone.
What the build runs stays cheap: the compiled training step is only defined here (the first
``torch.compile`` takes seconds just to import the compiler); tests/test_practice.py calls it,
and checks each claim the page makes about the package.
"""

if __name__ == "__main__":
    # --8<-- [start:swap]
    import torch
    from torch_yogi import Yogi

    torch.manual_seed(0)
    X = torch.randn(1000, 5)
    w = torch.tensor([[2.0], [-3.4], [1.5], [0.5], [-1.0]])
    y = X @ w + 4.2 + 0.1 * torch.randn(1000, 1)
    model = torch.nn.Linear(5, 1)
    # optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    optimizer = Yogi(model.parameters(), lr=0.1)
    for step in range(200):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
    print(f"loss after {step + 1} steps: {loss.item():.4f}")
    # --8<-- [end:swap]

    # --8<-- [start:compiled-step]
    import torch
    from torch_yogi import Yogi

    def compiled_training_step(model, optimizer):
        """A training step whose forward, backward and optimizer step are
        compiled; Yogi's whole step is one graph (fullgraph=True)."""
        forward = torch.compile(model)
        step = torch.compile(optimizer.step, fullgraph=True)

        def train_step(X, y):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(forward(X), y)
            loss.backward()
            step()
            return loss

        return train_step
    # --8<-- [end:compiled-step]

    # --8<-- [start:amp]
    import torch
    from torch_yogi import Yogi

    def train_amp(model, X, y, steps, device):
        """Mixed precision: float16 forward, GradScaler, Yogi's fused kernel."""
        optimizer = Yogi(model.parameters(), fused=True)
        scaler = torch.amp.GradScaler(device)
        for _ in range(steps):
            optimizer.zero_grad()
            with torch.autocast(device, dtype=torch.float16):
                loss = torch.nn.functional.mse_loss(model(X), y)
            scaler.scale(loss).backward()
            scaler.step(optimizer)  # the kernel unscales, and skips on inf
            scaler.update()
        return loss.item()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    X, y = torch.randn(64, 5, device=device), torch.randn(64, 1, device=device)
    loss = train_amp(torch.nn.Linear(5, 1).to(device), X, y, 3, device)
    print(f"{device}: loss {loss:.4f}")
    # --8<-- [end:amp]

    # --8<-- [start:checkpoint]
    import torch
    from torch_yogi import Yogi

    torch.manual_seed(0)
    model = torch.nn.Linear(5, 1)
    X, y = torch.randn(100, 5), torch.randn(100, 1)

    def train(optimizer, steps=5):
        for _ in range(steps):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(X), y).backward()
            optimizer.step()

    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    train(adam)
    yogi = Yogi(model.parameters())
    yogi.load_state_dict(adam.state_dict())  # moments, steps and Adam's lr
    for group in yogi.param_groups:
        group["lr"], group["eps"] = 1e-2, 1e-3  # Yogi's defaults again
    train(yogi)
    adamw = torch.optim.AdamW(model.parameters())
    adamw.load_state_dict(yogi.state_dict())  # and back to torch
    state = adamw.state[model.weight]
    print(sorted(state), state["step"])
    # --8<-- [end:checkpoint]
