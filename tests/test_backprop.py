"""The backprop baseline: it learns, and reports in the same History as the FF network."""

import pytest
import torch

from ff_tutorial import MLP, History


def test_mlp_lowers_its_loss_and_its_error(small):
    x, y, x_test, y_test = small
    torch.manual_seed(0)
    mlp = MLP([784, 100])
    untrained = mlp.error_rate(x_test, y_test)
    h = mlp.train_backprop(x[:2000], y[:2000], epochs=3, batch_size=100, x_test=x_test, y_test=y_test,
                           generator=torch.Generator().manual_seed(0), progress=False)
    assert isinstance(h, History)
    losses = h.layer_losses[0]
    assert len(losses) == 60  # 3 epochs of 20 batches
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5
    assert h.epochs == [1, 2, 3] and len(h.test_error) == 3
    assert h.test_error[-1] < 0.3 < untrained
    assert h.test_error[-1] == pytest.approx(mlp.error_rate(x_test, y_test))


def test_mlp_forward_is_the_stack_of_relu_layers_and_a_linear_output():
    torch.manual_seed(0)
    mlp = MLP([784, 16, 8])
    x = torch.randn(5, 784)
    linears = [m for m in mlp.net if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 16), (16, 8), (8, 10)]
    h = torch.relu(linears[1](torch.relu(linears[0](x))))
    assert torch.allclose(mlp(x), linears[2](h))


@pytest.mark.parametrize("dims", [[783, 10], [784], [784, 0]])
def test_mlp_refuses_bad_dims(dims):
    with pytest.raises(ValueError, match="dims"):
        MLP(dims)


def test_mlp_refuses_images_it_cannot_use():
    mlp = MLP([784, 10])
    y = torch.zeros(4, dtype=torch.long)
    with pytest.raises(TypeError, match="float32"):
        mlp.train_backprop(torch.zeros(4, 784, dtype=torch.float64), y, epochs=1, progress=False)
    with pytest.raises(ValueError, match="784"):
        mlp.train_backprop(torch.zeros(4, 780), y, epochs=1, progress=False)
