# %% [markdown]
# # 02 · A recurrent network by hand in NumPy
#
# **You will learn**
# - the recurrent network of the article, $h_t = f(W x_t + U h_{t-1} + b)$, written out in NumPy:
#   the forward pass over a whole batch with one loop over time;
# - **backpropagation through time** (BPTT), derived step by step from the unrolled graph, and its
#   truncated variant;
# - to *prove* a hand-written gradient right with a finite-difference **gradient check**;
# - to train the network with a hand-written Adam on the trajectory windows of notebook 01 and compare it
#   honestly with the constant-velocity baseline;
# - that Keras's `SimpleRNN` + `Dense` compute exactly the same numbers and gradients with the same weights.
#
# **Prerequisites:** 01 · Tracking as sequence prediction (windows, displacements, constant velocity,
# ADE/FDE). Matrix products and the chain rule.
#
# **Runtime:** about 15 seconds on a 2-core CPU (a third of it importing TensorFlow in section 7).

# %%
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

import course_utils
from course_utils import data, baselines, metrics, rnn, checks_rnn

course_utils.setup()

# %% [markdown]
# ## 1. The equations, and why the output matrix is called $V$
#
# The article gives the recurrent network as
#
# $$ h_t = f(W x_t + U h_{t-1} + b), \qquad y_t = g(W h_t + c). $$
#
# At every time step $t = 1, \dots, T$ the network reads an input $x_t$ (here: a displacement of a
# pedestrian, 2 numbers) and updates a **hidden state** $h_t$ ($H$ numbers) that summarises everything
# seen so far; from the state it produces an output $y_t$.
#
# The article uses the letter $W$ twice. The first $W$ maps an input ($d_{in}$ numbers) to the hidden
# layer, the second maps the hidden layer to the output ($d_{out}$ numbers). Read literally, one matrix
# would have to do both jobs, which is only possible when $d_{in} = d_{out} = H$ and is not what the
# article means: these are two different matrices, of shapes $H \times d_{in}$ and $d_{out} \times H$,
# learned separately. So, like most textbooks, we call the output weights $V$:
#
# $$ a_t = W x_t + U h_{t-1} + b, \qquad h_t = f(a_t), \qquad y_t = V h_t + c. $$
#
# - $f$ is $\tanh$ (ReLU is the other choice; notebook 07 compares them);
# - $g$ is the **identity**: we predict displacements in metres, unbounded real numbers, so the output
#   is not squashed;
# - $h_0$, the state before the first step, is a parameter too (zeros at the start, learned).
#
# **Shapes in code.** A batch is a stack of rows, so in NumPy we write the same products with row
# vectors, `x_t @ W`: the matrices in code are the transposes of those in the formulas, which is also the
# layout Keras uses. `x` is `(batch, time, d_in)`.
#
# | parameter | shape in code | role |
# |---|---|---|
# | `W` | `(d_in, H)` | input → hidden |
# | `U` | `(H, H)` | hidden → hidden (the recurrence) |
# | `b` | `(H,)` | hidden bias |
# | `V` | `(H, d_out)` | hidden → output |
# | `c` | `(d_out,)` | output bias |
# | `h0` | `(H,)` | initial state, shared by every sequence |

# %% [markdown]
# ## 2. The unrolled graph
#
# The same weights are used at every step. Unrolling the loop over time turns the recurrent network into
# an ordinary (deep) feed-forward graph, and the chain rule on that graph is backpropagation through
# time. Black arrows compute the forward pass; red arrows carry gradients backwards.

# %%
def draw_unrolled_graph():
    fig, ax = plt.subplots(figsize=(11, 5.6))
    cols = {"{t-1}": 0.0, "t": 4.0, "{t+1}": 8.0}
    X, A, Hh, Y, L = 0.0, 1.5, 3.0, 4.5, 6.0          # row heights
    red = "#c0392b"

    def box(x, y, text, color="#dde8f5"):
        ax.add_patch(FancyBboxPatch((x - 0.45, y - 0.28), 0.9, 0.56, boxstyle="round,pad=0.05",
                                    fc=color, ec="0.3"))
        ax.text(x, y, text, ha="center", va="center", fontsize=13)

    def arrow(p, q, color="k", style="-", rad=0.0):
        ax.annotate("", xy=q, xytext=p, arrowprops=dict(arrowstyle="-|>", color=color, lw=1.5, linestyle=style,
                    shrinkA=2, shrinkB=2, connectionstyle=f"arc3,rad={rad}"))

    for s, cx in cols.items():                        # forward pass, black
        for (r, name, color) in [(X, "x", "#eeeeee"), (A, "a", "#dde8f5"), (Hh, "h", "#dde8f5"),
                                 (Y, "y", "#e4f2e0"), (L, "L", "#f6e3e3")]:
            box(cx, r, f"${name}_{s}$", color)
        for (r0, r1, label) in [(X, A, "$W$"), (A, Hh, "$f$"), (Hh, Y, "$V$"), (Y, L, "")]:
            arrow((cx, r0 + 0.33), (cx, r1 - 0.33))
            ax.text(cx - 0.1, (r0 + r1) / 2, label, ha="right", va="center", fontsize=11)
    box(-3.0, Hh, "$h_{t-2}$", "#f5f5f5")
    for x0, x1 in [(-3.0, 0.0), (0.0, 4.0), (4.0, 8.0)]:
        arrow((x0 + 0.5, Hh - 0.1), (x1 - 0.5, A + 0.1))
        ax.text((x0 + x1) / 2 + 0.1, (Hh + A) / 2 + 0.25, "$U$", fontsize=11)
    # backward pass into h_t and a_t, red
    t = cols["t"]
    arrow((t + 0.3, Y - 0.33), (t + 0.3, Hh + 0.33), red, "--")
    ax.text(t + 0.42, (Hh + Y) / 2, r"$\bar y_t V^\top$", color=red, fontsize=12, va="center")
    arrow((8.0 - 0.5, A - 0.15), (t + 0.5, Hh - 0.2), red, "--", rad=-0.25)
    ax.text(6.3, 0.95, r"$\bar a_{t+1} U^\top$", color=red, fontsize=12, ha="center")
    arrow((t - 0.3, Hh - 0.33), (t - 0.3, A + 0.33), red, "--")
    ax.text(t - 0.45, 0.72, r"$\bar a_t = \delta_t \odot f'(a_t)$", color=red, fontsize=12, ha="right")
    ax.text(t, -0.85, r"$\delta_t = \partial L/\partial h_t = \bar y_t V^\top + \bar a_{t+1} U^\top$"
            "   (the two red paths into $h_t$ add up)", color=red, fontsize=12, ha="center")
    ax.text(9.0, L, r"$L = \sum_t L_t$", fontsize=13, va="center")
    ax.set(xlim=(-3.6, 10.2), ylim=(-1.2, 6.4))
    ax.set_title("The RNN unrolled over time: the same W, U, b, V, c at every step. "
                 "Black: forward pass; red: gradients reaching $h_t$ and $a_t$", fontsize=11)
    ax.axis("off")
    return fig


draw_unrolled_graph()
plt.show()

# %% [markdown]
# Reading the figure: $h_t$ influences the loss along two paths, through its own output $y_t$ and
# through the next pre-activation $a_{t+1}$. Its gradient is the sum of the two; that is the whole idea
# of BPTT.

# %% [markdown]
# ## 3. The forward pass, by hand
#
# One loop over time; inside it, one matrix product for the whole batch. We keep every hidden state in
# `hs` of shape `(batch, T + 1, H)`, with `hs[:, 0] = h0` and `hs[:, t + 1]` $= h_t$ — the backward pass
# needs them all.

# %%
def rnn_forward(params, x, activation="tanh"):
    """x (batch, T, d_in) -> outputs ys (batch, T, d_out) and hidden states hs (batch, T + 1, H)."""
    W, U, b, V, c, h0 = (params[k] for k in ("W", "U", "b", "V", "c", "h0"))
    f = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0.0))
    batch, T, _ = x.shape
    hs = np.zeros((batch, T + 1, U.shape[0]))
    hs[:, 0] = h0                                    # the same h0 for every sequence
    for t in range(T):
        a_t = x[:, t] @ W + hs[:, t] @ U + b         # (batch, H)
        hs[:, t + 1] = f(a_t)
    ys = hs[:, 1:] @ V + c                           # the output layer for every step at once
    return ys, hs


rng = np.random.default_rng(0)
params = rnn.init_params(d_in=2, hidden=4, d_out=3, seed=0)   # Glorot W, V; orthogonal U; zero biases
params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in params.items()}  # make every part non-zero
x = rng.standard_normal((3, 5, 2))                   # 3 sequences of 5 steps of 2 numbers
ys, hs = rnn_forward(params, x)
print("x", x.shape, "-> ys", ys.shape, " hs", hs.shape)

# %% [markdown]
# The course's reference implementation, `course_utils.rnn.forward`, is the same computation arranged
# for speed (time-major arrays, the input projection of all steps in one product). Both give the same
# numbers:

# %%
for activation in ("tanh", "relu"):
    ys_mine, hs_mine = rnn_forward(params, x, activation)
    ys_ref, cache = rnn.forward(params, x, activation)
    same = np.allclose(ys_mine, ys_ref, atol=1e-12) and np.allclose(hs_mine, cache["h"].transpose(1, 0, 2),
                                                                     atol=1e-12)
    print(f"{activation}: notebook forward == course_utils.rnn.forward: {same}")

# %% [markdown]
# ## 4. Backpropagation through time
#
# Let the loss be a sum over steps, $L = \sum_t L_t(y_t)$, and write $\bar{y}_t = \partial L / \partial
# y_t$ (given by the loss: for the mean squared error it is $\frac{2}{N}(y_t - \text{target}_t)$).
# Go backwards through the graph, from $t = T$ down to $1$:
#
# 1. **Output layer.** $y_t = V h_t + c$ gives
#    $\;\partial L/\partial V \mathrel{+}= \bar y_t\, h_t^\top$, $\;\partial L/\partial c \mathrel{+}= \bar y_t$.
# 2. **Gradient reaching $h_t$** — the two red paths of the figure:
#    $$ \delta_t = \frac{\partial L}{\partial h_t} = V^\top \bar y_t \;+\; U^\top \bar a_{t+1},
#       \qquad \bar a_{T+1} = 0. $$
# 3. **Through the activation.** $h_t = f(a_t)$ element-wise, so
#    $\;\bar a_t = \delta_t \odot f'(a_t)$, with $\tanh'(a_t) = 1 - h_t^2$ and $\text{ReLU}'(a_t) = [a_t > 0]$
#    — both computable from the stored $h_t$.
# 4. **Into the weights.** $a_t = W x_t + U h_{t-1} + b$ gives
#    $\;\partial L/\partial W \mathrel{+}= \bar a_t x_t^\top$, $\;\partial L/\partial U \mathrel{+}= \bar a_t h_{t-1}^\top$,
#    $\;\partial L/\partial b \mathrel{+}= \bar a_t$, and passes $U^\top \bar a_t$ on to $h_{t-1}$ (step 2 of the
#    previous time step).
# 5. **At the start.** What reaches $h_0$ is $\partial L / \partial h_0 = U^\top \bar a_1$, summed over the batch
#    because all sequences share one $h_0$.
#
# The weights are shared by all steps, so their gradients are **sums over time** (and over the batch).
# In code (row vectors, so every product is transposed relative to the formulas):

# %%
def rnn_backward(params, x, hs, dys, activation="tanh"):
    """Gradients of L for every parameter, given dys = dL/dy of shape (batch, T, d_out)."""
    U, V = params["U"], params["V"]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    batch, T, _ = x.shape
    dh_next = np.zeros((batch, U.shape[0]))          # U^T a-bar_{t+1}: what flows back from step t+1
    for t in reversed(range(T)):
        h_t, h_prev = hs[:, t + 1], hs[:, t]
        grads["V"] += h_t.T @ dys[:, t]              # 1. output layer
        grads["c"] += dys[:, t].sum(axis=0)
        dh = dys[:, t] @ V.T + dh_next               # 2. both paths into h_t
        if activation == "tanh":                     # 3. through the activation
            da = dh * (1.0 - h_t ** 2)
        else:
            da = dh * (h_t > 0)
        grads["W"] += x[:, t].T @ da                 # 4. into the weights ...
        grads["U"] += h_prev.T @ da
        grads["b"] += da.sum(axis=0)
        dh_next = da @ U.T                           #    ... and back to h_{t-1}
    grads["h0"] = dh_next.sum(axis=0)                # 5. what reaches h0, summed over the batch
    return grads


dys = rng.standard_normal(ys.shape)                  # some dL/dy, as a loss would give
for activation in ("tanh", "relu"):
    ys_, hs_ = rnn_forward(params, x, activation)
    mine = rnn_backward(params, x, hs_, dys, activation)
    _, cache = rnn.forward(params, x, activation)
    ref = rnn.backward(params, cache, dys)
    same = all(np.allclose(mine[k], ref[k], atol=1e-12) for k in rnn.PARAM_NAMES)
    print(f"{activation}: notebook BPTT == course_utils.rnn.backward for all 6 parameters: {same}")

# %% [markdown]
# **Truncated BPTT.** The gradient of an output at step $t$ flows back through every earlier step: the
# cost and the memory grow with the sequence length, and over many steps the repeated multiplication by
# $U^\top$ and $f'$ makes gradients vanish or explode (notebook 07 measures this). *Truncated* BPTT follows
# each output's gradient back at most $k$ steps: `rnn.backward(params, cache, dys, truncate=k)`. It is an
# approximation of the true gradient; with $k \ge T$ it *is* the true gradient:

# %%
_, cache = rnn.forward(params, x)
full = rnn.backward(params, cache, dys)
for k in (1, 2, 3, 5):
    trunc = rnn.backward(params, cache, dys, truncate=k)
    rel = np.linalg.norm(trunc["U"] - full["U"]) / np.linalg.norm(full["U"])
    print(f"truncate={k}: relative difference of dL/dU from full BPTT = {rel:.3f}")

# %% [markdown]
# Each step further back adds its part of the gradient: with 1 step (no backpropagation through time at
# all) $\partial L/\partial U$ is off by about a third, with 3 of the 5 steps by about a fifth, with all 5
# not at all.
# Truncation trades that error for speed and memory on long sequences; our windows are 7 steps long, so the
# course trains with full BPTT.

# %% [markdown]
# ## 5. Gradient check: is the derivation right?
#
# A derivative can be measured without any calculus: nudge one number of one parameter by $\pm\varepsilon$
# and see how the loss moves,
#
# $$ \frac{\partial L}{\partial \theta_i} \approx \frac{L(\theta + \varepsilon e_i) - L(\theta - \varepsilon e_i)}{2\varepsilon}
#    \qquad (\text{error } O(\varepsilon^2)). $$
#
# `rnn.gradient_check(f, params)` does this for every entry of every parameter in float64 with
# $\varepsilon = 10^{-6}$ and reports, per parameter, the largest difference from our BPTT gradient
# relative to the size of that parameter's gradient. Right code gives errors near $10^{-9}$ (the rounding
# noise of finite differences); a wrong formula gives errors near 1. We check the notebook's own
# functions with the mean squared error as the loss:

# %%
target = rng.standard_normal(ys.shape)


def loss_and_grads(params, activation):
    ys, hs = rnn_forward(params, x, activation)
    loss, dys = rnn.mse_loss(ys, target)             # L = mean((ys - target)^2) and dL/dys
    return loss, rnn_backward(params, x, hs, dys, activation)


def order_of(err):
    """Round a small error to its order of magnitude, e.g. 3.2e-10 -> '< 1e-9'."""
    if err == 0:
        return "0"
    if err >= 0.01:                                  # a wrong gradient: show the number itself
        return f"{err:.2f}"
    return f"< 1e-{int(np.floor(-np.log10(err)))}"


checked = {act: rnn.gradient_check(lambda p, act=act: loss_and_grads(p, act), params)
           for act in ("tanh", "relu")}

# %%
# NBVAL_IGNORE_OUTPUT
# (the errors are rounding noise, so their last digits depend on the CPU; the assert is what must hold)
print(f"{'parameter':<10}{'shape':<9}{'tanh':>10}{'ReLU':>10}   below 1e-6")
for name in rnn.PARAM_NAMES:
    errs = [checked[act][name] for act in ("tanh", "relu")]
    print(f"{name:<10}{str(params[name].shape):<9}{order_of(errs[0]):>10}{order_of(errs[1]):>10}   "
          f"{max(errs) < 1e-6}")
assert all(err < 1e-6 for errors in checked.values() for err in errors.values())

# %% [markdown]
# Every parameter, $h_0$ included, passes by several orders of magnitude, for both activations. (The
# course's tests repeat this check on hundreds of random shapes and seeds, with and without truncation.)

# %% [markdown]
# ## 6. Training on trajectory windows
#
# Now the network does the job of the course: from the observed part of a trajectory, predict the
# future. We use notebook 01's synthetic pedestrians and its split by trajectory (same seeds).
#
# **How the RNN forecasts.** A window has $k = 8$ observed positions, i.e. 7 displacements, and $m = 12$
# future positions, i.e. 12 future displacements. The RNN reads the 7 observed displacements one per step
# ($d_{in} = 2$); after the last one, its output $y_T$ has $d_{out} = 2m = 24$ numbers, read as the 12
# future displacements. (The outputs of the earlier steps are computed but not used, so their
# $\bar y_t$ are zero.) Positions are the last observed position plus the running sum of displacements.
# The loss is the mean squared error of the 24 numbers. Displacements are divided by their standard
# deviation so the network sees numbers near 1.

# %%
synthetic = data.generate_synthetic(2000, seed=0)            # as in notebook 01
train, val, test = data.split_by_trajectory(synthetic, fractions=(0.7, 0.15, 0.15), seed=0)
w_train, w_val, w_test = (data.make_windows(part, k=8, m=12) for part in (train, val, test))


def to_xy(windows, scale):
    """Windows -> RNN inputs (n, 7, 2) and targets (n, 24), displacements divided by scale."""
    observed = data.to_displacements(windows.observed)
    future = data.to_displacements(np.concatenate([windows.observed[:, -1:], windows.future], axis=1))
    return observed / scale, future.reshape(len(windows), -1) / scale


scale = float(np.std(data.to_displacements(w_train.observed)))   # metres per 0.4 s step
x_train, y_train = to_xy(w_train, scale)
x_val, y_val = to_xy(w_val, scale)
print(f"train {x_train.shape} -> {y_train.shape},  validation {x_val.shape},  test {len(w_test)} windows;"
      f"  scale = {scale:.3f} m")

# %% [markdown]
# **Adam, written out.** Adam keeps, for every parameter, running averages of the gradient $m$ and of its
# square $v$, corrects their bias towards zero in the first steps, and moves each number by about the
# learning rate in the direction of $-m/\sqrt{v}$:

# %%
class MyAdam:
    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params, grads):
        self.t += 1
        for k, g in grads.items():
            self.m[k] = self.beta1 * self.m.get(k, 0.0) + (1 - self.beta1) * g
            self.v[k] = self.beta2 * self.v.get(k, 0.0) + (1 - self.beta2) * g * g
            m_hat = self.m[k] / (1 - self.beta1 ** self.t)
            v_hat = self.v[k] / (1 - self.beta2 ** self.t)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)   # in place
        return params


# the same updates as the course's rnn.Adam
p1 = {k: v.copy() for k, v in params.items()}
p2 = {k: v.copy() for k, v in params.items()}
mine, ref = MyAdam(0.01), rnn.Adam(0.01)
for _ in range(5):
    g = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    mine.step(p1, g), ref.step(p2, g)
print("MyAdam == rnn.Adam after 5 steps:", all(np.allclose(p1[k], p2[k], atol=1e-14) for k in p1))

# %% [markdown]
# `rnn.train` runs the mini-batch loop: shuffle (seeded), forward, loss, BPTT, clip the gradients to a
# global norm of 1 (a safety rail; notebook 07 explains it), optimiser step; after each epoch it scores the
# validation set. A 32-unit RNN, 60 epochs:

# %%
rnn_params = rnn.init_params(d_in=2, hidden=32, d_out=24, seed=0)
history = rnn.train(rnn_params, x_train, y_train, x_val, y_val, epochs=60, batch_size=32,
                    optimizer=MyAdam(lr=3e-3), seed=0, clip=1.0, progress=False)
print(f"{rnn.count_params(rnn_params)} parameters; final loss: train {history['train_loss'][-1]:.3f}, "
      f"validation {history['val_loss'][-1]:.3f} (scaled units)")

# %%
epochs = np.arange(1, len(history["train_loss"]) + 1)
fig, ax = plt.subplots()
ax.plot(epochs, np.array(history["train_loss"]) * scale**2, label="training (mean during the epoch)")
ax.plot(epochs, np.array(history["val_loss"]) * scale**2, label="validation (after the epoch)")
ax.set(xlabel="epoch", ylabel="MSE of future displacements (m²)", yscale="log",
       title="NumPy RNN (32 units) learning to forecast synthetic pedestrians")
ax.legend()
plt.show()

# %% [markdown]
# Both losses fall together and are still falling slowly at epoch 60: the network is not overfitting yet
# (the validation loss is not rising while the training loss falls; notebook 06 is about the moment it
# does).
#
# **Against the baseline.** `rnn.RNNForecaster` wraps the trained parameters in the predictor interface of
# notebook 01, `predict(observed, horizon)`, so `metrics.evaluate_windows` scores it like the baselines, on
# the test windows no one has looked at:

# %%
forecaster = rnn.RNNForecaster(rnn_params, scale=scale)
predictors = {"constant velocity": baselines.ConstantVelocity(), "RNN (NumPy, 32 units)": forecaster}
table = metrics.evaluate_windows(predictors, w_test.observed, w_test.future)
print(f"synthetic test set, {len(w_test)} windows (metres):")
print(table[["ADE", "FDE"]].round(2).to_string())

# %% [markdown]
# The RNN beats constant velocity on the synthetic test set. Where exactly? One row per motion family:

# %%
family = np.array([test[i].family for i in w_test.traj_index])
rows = []
for fam in data.SYNTHETIC_FAMILIES:
    sel = family == fam
    errs = {name: metrics.ade(p.predict(w_test.observed[sel], 12), w_test.future[sel])
            for name, p in predictors.items()}
    rows.append(f"{fam:<18}{sel.sum():>8}" + "".join(f"{e:>12.2f}" for e in errs.values()))
print(f"{'family':<18}{'windows':>8}{'ADE CV':>12}{'ADE RNN':>12}   (metres)")
print("\n".join(rows))

# %% [markdown]
# It wins where the motion is non-linear but regular — turning, accelerating, stopping and going — which the
# network has learned to recognise from 7 displacements; constant velocity cannot. On straight walks at
# constant speed, constant velocity is right up to the annotation noise and clearly better than the RNN,
# which has to learn "keep going" from examples and does it only approximately. On the social groups the
# two are even.
#
# **An honest look at real data.** The same network, trained only on synthetic motion, on the real UCY
# pedestrians of `crowds_zara01`:

# %%
w_zara = data.make_windows(data.load_ucy("crowds_zara01"), k=8, m=12)
table_zara = metrics.evaluate_windows(predictors, w_zara.observed, w_zara.future)
print(f"UCY crowds_zara01, {len(w_zara)} windows (metres):")
print(table_zara[["ADE", "FDE"]].round(2).to_string())

# %% [markdown]
# Here it loses clearly. Real pedestrians in zara01 walk mostly straight, slower than our synthetic ones,
# and never do what the synthetic families do; a model learns the motion of the data it was trained on, and
# the constant-velocity rule has no training data to be wrong about. Winning on synthetic data says that the
# RNN *and its training by hand are correct*, not that it is a better tracker. Notebook 03 trains recurrent
# networks on real trajectories and compares them with the baselines there.
#
# What the numbers look like: from three families, the test window with the *median* RNN error of its
# family (a typical case, not the best one):

# %%
rnn_ade = metrics.displacement_errors(forecaster.predict(w_test.observed, 12), w_test.future).mean(axis=1)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
for ax, fam in zip(axes, ("constant_turn", "stop_and_go", "constant_velocity")):
    members = np.flatnonzero(family == fam)
    i = members[np.argsort(rnn_ade[members])[len(members) // 2]]
    obs, fut = w_test.observed[i:i + 1], w_test.future[i]
    ax.plot(*obs[0].T, "k.-", label="observed (8)")
    ax.plot(*fut.T, "g.-", label="true future (12)")
    for (name, p), style in zip(predictors.items(), ("--", "-")):
        ax.plot(*p.predict(obs, 12)[0].T, style, lw=1.5, label=name)
    ax.set(title=f"{fam.replace('_', ' ')} (RNN ADE {rnn_ade[i]:.2f} m)", xlabel="x (m)")
    ax.set_aspect("equal", adjustable="datalim")
axes[0].set_ylabel("y (m)")
axes[0].legend(fontsize=8)
fig.suptitle("Typical synthetic test windows: constant velocity vs the NumPy RNN")
plt.tight_layout()
plt.show()

# %% [markdown]
# The turn shows the difference best: the RNN bends with the path, constant velocity leaves along the
# tangent. The other two are close calls, where a small error in speed or direction grows over the 4.8 s
# horizon for both predictors.

# %% [markdown]
# ## 7. The same network in Keras
#
# Keras's `SimpleRNN` layer computes $h_t = f(x_t W + h_{t-1} U + b)$ with `kernel` $= W$,
# `recurrent_kernel` $= U$, `bias` $= b$, and `Dense` computes $y_t = h_t V + c$. Copy our trained weights
# into them (`rnn.to_keras`) and compare. One difference: Keras's `SimpleRNN` has no learnable initial
# state, so we pass $h_0$ as `initial_state`. Keras computes in float32 by default, so we expect agreement
# to about $10^{-6}$, not $10^{-15}$.
#
# To get Keras's gradients we write the loss as a function of the six parameters: `rnn.keras_outputs` calls
# the two layers with the given tensors in place of their own weights (Keras's `stateless_call`), and
# `backend.value_and_grad` asks the Keras backend's automatic differentiation for the value and all six
# gradients — `tf.GradientTape` on TensorFlow (the default), `jax.grad` on JAX. Nobody writes a backward pass.

# %%
from keras import ops  # noqa: E402  (imported here, after course_utils.setup() silenced TensorFlow's logs)
from course_utils import backend  # noqa: E402

xb, yb = x_val[:64], y_val[:64]                        # a batch of validation windows
outputs, cache = rnn.forward(rnn_params, xb)
loss, g_last = rnn.mse_loss(outputs[:, -1], yb)        # the training loss: last step only
dys = np.zeros_like(outputs)
dys[:, -1] = g_last
grads = rnn.backward(rnn_params, cache, dys)

layer, dense = rnn.to_keras(rnn_params)               # SimpleRNN(32, return_sequences=True), Dense(24)


def keras_loss(W, U, b, V, c, h0):
    """The same loss, computed by the Keras layers, as a function of the six parameters."""
    out = rnn.keras_outputs(layer, dense, xb.astype("float32"), (W, U, b, V, c, h0))
    return ops.mean((out[:, -1] - ops.convert_to_tensor(yb, "float32")) ** 2), out


# automatic differentiation: tf.GradientTape on TensorFlow, jax.grad on JAX (see course_utils/backend.py)
(loss_keras, out_keras), g = backend.value_and_grad(
    keras_loss, [rnn_params[name].astype("float32") for name in rnn.PARAM_NAMES], has_aux=True)
keras_grads = dict(zip(rnn.PARAM_NAMES, g))

diffs = {"outputs": np.abs(outputs - out_keras).max()}
diffs.update({f"gradient of {name}": np.abs(grads[name] - keras_grads[name]).max() for name in rnn.PARAM_NAMES})

# %%
# NBVAL_IGNORE_OUTPUT
# (float32 rounding: the last digits depend on the CPU; the assert is what must hold)
print(f"{'':<18}{'max |NumPy - Keras|':>20}   within 1e-5")
for what, diff in diffs.items():
    print(f"{what:<18}{order_of(diff):>20}   {diff < 1e-5}")
assert max(diffs.values()) < 1e-5

# %% [markdown]
# Same outputs, same gradients: our forward pass and our BPTT are what Keras does (there, the backend's
# automatic differentiation writes the backward pass for us). From notebook 03 on we let Keras do it.
#
# Keras counts the parameters without $h_0$:

# %%
print("Keras:", layer.count_params() + dense.count_params(),
      "  NumPy:", rnn.count_params(rnn_params), "(with h0)", rnn.count_params(rnn_params, include_h0=False),
      "(without)")

# %% [markdown]
# How fast is NumPy next to Keras? `bench/rnn_speed.py` times forward + backward for both (batch 64,
# 20 steps, 64 units and a larger size); the figures are in the README. For networks this small the
# hand-written NumPy version is not slower than Keras on a CPU.

# %% [markdown]
# ## Exercises
#
# Each exercise has a checker that says whether your answer is right and gives a hint if not. Replace the
# `...` with your code.
#
# **Exercise 1 — one step of BPTT.** Write `bptt_step(dh, h_t, h_prev, x_t, U)` for a tanh RNN: `dh` of
# shape `(batch, H)` is everything that reaches $h_t$ ($\delta_t$ in section 4); return this step's
# contributions `(dW_t, dU_t, db_t, dh_prev)`, where `dh_prev` is the gradient passed back to $h_{t-1}$
# through $a_t$.

# %%
bptt_step = ...   # replace with your function


# %% tags=["solution"]
def bptt_step(dh, h_t, h_prev, x_t, U):
    da = dh * (1.0 - h_t ** 2)
    return x_t.T @ da, h_prev.T @ da, da.sum(axis=0), da @ U.T


# %%
checks_rnn.check_bptt_step(bptt_step)


# %% [markdown]
# **Exercise 2 — find the bug.** A colleague wrote this backward pass. It runs, its shapes are right, and
# it is wrong. (a) Use the gradient check to find *which* gradient is wrong, and (b) write a corrected
# `fixed_backward` with the same arguments (tanh only).

# %%
def buggy_backward(params, x, hs, dys):
    U, V = params["U"], params["V"]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros((x.shape[0], U.shape[0]))
    for t in reversed(range(x.shape[1])):
        h_t, h_prev = hs[:, t + 1], hs[:, t]
        grads["V"] += h_t.T @ dys[:, t]
        grads["c"] += dys[:, t].sum(axis=0)
        da = (dys[:, t] @ V.T + dh_next) * (1.0 - h_t ** 2)
        grads["W"] += x[:, t].T @ da
        grads["U"] += h_t.T @ da
        grads["b"] += da.sum(axis=0)
        dh_next = da @ U.T
    grads["h0"] = dh_next.sum(axis=0)
    return grads


def buggy_loss_and_grads(params):
    ys, hs = rnn_forward(params, x)
    loss, dys = rnn.mse_loss(ys, target)
    return loss, buggy_backward(params, x, hs, dys)


# %%
# NBVAL_IGNORE_OUTPUT
# (the tiny errors are rounding noise whose last digits depend on the CPU)
for name, err in rnn.gradient_check(buggy_loss_and_grads, params).items():
    print(f"{name:<4} relative error {order_of(err)}")

# %%
wrong_param = ...   # the name of the wrong gradient, e.g. "W"

# %% tags=["solution"]
wrong_param = "U"

# %%
checks_rnn.check_wrong_param(wrong_param)

# %%
fixed_backward = ...   # replace with your function


# %% tags=["solution"]
def fixed_backward(params, x, hs, dys):
    U, V = params["U"], params["V"]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros((x.shape[0], U.shape[0]))
    for t in reversed(range(x.shape[1])):
        h_t, h_prev = hs[:, t + 1], hs[:, t]
        grads["V"] += h_t.T @ dys[:, t]
        grads["c"] += dys[:, t].sum(axis=0)
        da = (dys[:, t] @ V.T + dh_next) * (1.0 - h_t ** 2)
        grads["W"] += x[:, t].T @ da
        grads["U"] += h_prev.T @ da           # a_t = x_t W + h_{t-1} U + b: U multiplies h_{t-1}
        grads["b"] += da.sum(axis=0)
        dh_next = da @ U.T
    grads["h0"] = dh_next.sum(axis=0)
    return grads


# %%
checks_rnn.check_fixed_backward(fixed_backward)

# %% [markdown]
# **Exercise 3 — count the parameters.** How many numbers does Keras's `count_params()` report for
# `SimpleRNN(32)` followed by `Dense(24)` on inputs of 2 numbers per step (the forecaster of section 6)?
# Work it out from the shapes in section 1, then check.

# %%
n_params = ...

# %% tags=["solution"]
n_params = 2 * 32 + 32 * 32 + 32 + 32 * 24 + 24

# %%
checks_rnn.check_param_count(n_params)

# %% [markdown]
# ## Summary
#
# - The article's RNN, with the output weights renamed $V$ (they are not the input weights $W$), is a loop
#   over time of one matrix product per step; unrolled (section 2's figure) it is a deep feed-forward graph
#   with shared weights.
# - **BPTT** is the chain rule on that graph: the gradient reaching $h_t$ is the sum of what comes from its
#   output and from the next step; weight gradients are sums over time. Truncated BPTT stops each output's
#   gradient after $k$ steps.
# - The **gradient check** (section 5) confirms every parameter's gradient, $h_0$ included, for tanh and
#   ReLU, with relative errors far below $10^{-6}$.
# - Trained with a hand-written Adam on notebook 01's synthetic windows (loss curves in section 6), the
#   32-unit RNN beats constant velocity there — on turning, accelerating and stop-and-go motion — but loses
#   clearly on real UCY pedestrians it never saw: a model learns the data it is given.
# - Keras's `SimpleRNN` + `Dense` with the same weights give the same outputs and gradients to float32
#   precision (section 7). Next, notebook 03 lets Keras train LSTMs and GRUs on real trajectories.
#
# The headline figures of this notebook (the course benchmark, `make bench`, collects them):

# %%
# NBVAL_IGNORE_OUTPUT
# (the gradient-check and Keras figures are rounding noise whose digits depend on the CPU)
HEADLINE = {
    "gradcheck_max_rel_error": float(f"{max(max(e.values()) for e in checked.values()):.1e}"),
    "keras_max_abs_diff_outputs": float(f"{diffs['outputs']:.1e}"),
    "keras_max_abs_diff_grads": float(f"{max(v for k, v in diffs.items() if k != 'outputs'):.1e}"),
    **{f"{key}_ade_fde_{where}": [round(float(t.loc[name, c]), 3) for c in ("ADE", "FDE")]
       for where, t in (("synthetic", table), ("zara1", table_zara))
       for key, name in (("rnn", "RNN (NumPy, 32 units)"), ("cv", "constant velocity"))},
}
HEADLINE
