# %% [markdown]
# # 01 · Tracking as sequence prediction
#
# **You will learn**
# - how the article's idea — *tracking is predicting future positions from past ones* — becomes data:
#   trajectories, windows of "observed 8 → predict 12" positions, and splits that do not leak;
# - to load real pedestrians (UCY, in metres; TUD street video, in pixels) and synthetic ones, and why
#   the unit matters;
# - three baselines every learned model must beat — constant position, constant velocity and a Kalman
#   filter — and the metrics ADE and FDE;
# - why constant velocity is so hard to beat on real pedestrians (it reproduces the published figures here).
#
# **Prerequisites:** 00 · Welcome and set-up.
#
# **Runtime:** about 10 seconds on a 2-core CPU.

# %%
import numpy as np
import matplotlib.pyplot as plt
import pandas as pd

import course_utils
from course_utils import data, baselines, metrics, checks

course_utils.setup()

# %% [markdown]
# ## 1. The idea: tracking as prediction
#
# The article says: *给定一系列已知的目标物体位置，我们需要预测未来的目标物体位置* — given a series of known
# positions of an object, predict its future positions. A **trajectory** is one object's positions over
# time, $p_1, p_2, \dots, p_T$ with $p_t = (x_t, y_t)$. A predictor sees the last $k$ positions and must
# output the next $m$:
#
# $$ (p_{t-k+1}, \dots, p_t) \;\longmapsto\; (\hat p_{t+1}, \dots, \hat p_{t+m}). $$
#
# A tracker needs exactly this: when the detector misses a person for a few frames (occlusion, blur),
# the prediction says where to look, and which detection belongs to which track (notebook 05).
# We use the standard protocol of pedestrian forecasting, $k = 8$ observed and $m = 12$ predicted.

# %% [markdown]
# ## 2. Real pedestrians in metres: UCY
#
# The UCY "Crowds by Example" scenes (Lerner, Chrysanthou and Lischinski, 2007) were filmed from above
# and annotated by hand; positions are in **metres on the ground**, one every 0.4 s (2.5 per second).
# They are the UCY part of the ETH/UCY benchmark that nearly every trajectory-forecasting paper reports on.

# %%
rows = []
for scene in data.UCY_SCENES:
    trajs = data.load_ucy(scene)
    speeds = np.concatenate([np.linalg.norm(np.diff(t.xy, axis=0), axis=1) / t.dt for t in trajs])
    rows.append({"scene": scene, "pedestrians": len(trajs), "positions": sum(len(t) for t in trajs),
                 "median length (s)": float(np.median([len(t) * t.dt for t in trajs])),
                 "median speed (m/s)": float(np.median(speeds))})
pd.DataFrame(rows).set_index("scene").round(2)

# %% [markdown]
# Median walking speeds of 0.5–1.5 m/s (slowest in the dense student crowds) and median trajectory
# durations of 9–16 seconds. Here is one scene from above:

# %%
zara1 = data.load_ucy("crowds_zara01")
fig, ax = plt.subplots(figsize=(8, 4))
for t in zara1:
    ax.plot(t.xy[:, 0], t.xy[:, 1], lw=0.8)
    ax.plot(*t.xy[-1], "k.", ms=3)
ax.set(title=f"UCY crowds_zara01: {len(zara1)} pedestrians (dot = last position)",
       xlabel="x (m)", ylabel="y (m)", aspect="equal")
plt.show()

# %% [markdown]
# Most people cross the shopping street from one side to the other in nearly straight lines; a few
# turn, stop at the shop window, or walk in groups.

# %% [markdown]
# ## 3. Real pedestrians in pixels: TUD street video
#
# The TUD-Campus and TUD-Stadtmitte sequences (MOT15 benchmark) are real street videos at 25 frames per
# second with a hand-drawn box around every person in every frame. Notebooks 04 and 05 track people in
# these frames; here we take each person's box and keep one point per frame, the **bottom centre** of the
# box (where the feet touch the ground: it moves like the person, while the box's top and size jitter
# with posture).

# %%
campus = data.load_tud("TUD-Campus")
stadt = data.load_tud("TUD-Stadtmitte")
print(f"TUD-Campus: {len(campus)} pedestrians, TUD-Stadtmitte: {len(stadt)} pedestrians")
print(campus[0])

frame = plt.imread(data.data_dir() / "mot15" / "TUD-Stadtmitte" / "img1" / "000001.jpg")
fig, ax = plt.subplots(figsize=(8, 6))
ax.imshow(frame)
for t in stadt:
    ax.plot(t.xy[:, 0], t.xy[:, 1], lw=2)
    ax.text(*t.xy[0], str(t.ident), color="yellow", fontsize=9)
ax.set(title="TUD-Stadtmitte: ground-truth paths (box bottom centres) over frame 1",
       xlabel="x (pixels)", ylabel="y (pixels)")
plt.show()

# %% [markdown]
# **Why the unit matters.** In pixels, the same step of a person covers more pixels near the camera than
# far from it (perspective), and the numbers depend on the camera's resolution and angle. An error of
# "10" means 10 pixels here and 10 metres on UCY: the two are not comparable, and a model trained on one
# cannot be applied to the other without normalising (notebook 03 discusses how). The time step differs
# too: 0.04 s here, 0.4 s on UCY, so "predict 12 steps" means 0.48 s on TUD but 4.8 s on UCY.

# %% [markdown]
# ## 4. Synthetic pedestrians
#
# Real data is scarce (the article's first challenge), so the course also generates trajectories with
# known motion: straight at constant speed, constant turn, accelerating or braking, stop-and-go, and
# groups that steer around each other (a small social-force simulation). Each family is a kind of motion a
# learned model can pick up and a constant-velocity rule cannot. Everything is seeded: the same seed gives
# the same trajectories.

# %%
synthetic = data.generate_synthetic(2000, seed=0)   # metres, one position every 0.4 s, 20 positions each
fig, axes = plt.subplots(1, len(data.SYNTHETIC_FAMILIES), figsize=(14, 3))
for ax, family in zip(axes, data.SYNTHETIC_FAMILIES):
    for t in [t for t in synthetic if t.family == family][:12]:
        ax.plot(t.xy[:, 0] - t.xy[0, 0], t.xy[:, 1] - t.xy[0, 1], lw=1)
    ax.set(title=family.replace("_", " "), xlabel="x (m)", aspect="equal")
axes[0].set_ylabel("y (m)")
fig.suptitle("Synthetic trajectories (12 per family, each moved to start at the origin)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5. Windows and splits
#
# A trajectory of $T$ positions gives $T - (k + m) + 1$ overlapping windows of $k + m = 20$ positions
# (sliding by one). Each window is one training or test example: `observed` $(n, k, 2)$ and `future`
# $(n, m, 2)$.

# %%
windows = data.make_windows(zara1, k=8, m=12)
print(windows)
print("observed:", windows.observed.shape, " future:", windows.future.shape)

# %% [markdown]
# **Split by trajectory, never by window.** Two neighbouring windows of one person share 19 of their 20
# positions. If we shuffled windows into train and test, the test set would be full of near-copies of
# training examples and every score would look better than it is. So we split whole trajectories; the
# windows are cut afterwards:

# %%
train, val, test = data.split_by_trajectory(synthetic, fractions=(0.7, 0.15, 0.15), seed=0)
parts = {"train": train, "validation": val, "test": test}
for name, part in parts.items():
    print(f"{name:<10} {len(part):5d} trajectories -> {len(data.make_windows(part)):5d} windows")
shared = {t.key for t in train} & {t.key for t in test}
print("trajectories in both train and test:", len(shared))

# %% [markdown]
# **Displacements.** Networks learn better from how an object *moves* than from where it *is*: the
# displacements $\Delta p_t = p_t - p_{t-1}$ do not depend on where in the scene the person walks.
# `to_displacements` and `from_displacements` convert back and forth without loss:

# %%
obs = windows.observed[:1]
disp = data.to_displacements(obs)
back = data.from_displacements(obs[:, 0], disp)
print("displacements (m per 0.4 s):\n", disp[0, :3].round(3))
print("round trip exact:", np.allclose(back, obs[:, 1:]))

# %% [markdown]
# ## 6. The baselines
#
# Three rules that need no training, all with the same interface as every model later in the course,
# `predict(observed (n, k, 2), horizon) -> (n, horizon, 2)`:
#
# - **constant position**: the object stays where it was last seen, $\hat p_{t+j} = p_t$;
# - **constant velocity (CV)**: it keeps its last velocity, $\hat p_{t+j} = p_t + j\,(p_t - p_{t-1})$;
# - **Kalman filter (constant-velocity model)**: it estimates position and velocity from *all* $k$
#   observations, weighing the motion model against measurement noise, then extrapolates.
#
# The Kalman filter keeps a state $s = (x, y, v_x, v_y)$ and its uncertainty $P$, and for each new
# observation $z$ alternates a prediction and an update:
#
# $$ s \leftarrow F s,\quad P \leftarrow F P F^\top + Q; \qquad K = P H^\top (H P H^\top + R)^{-1},\quad
#    s \leftarrow s + K (z - H s),\quad P \leftarrow (I - K H) P. $$
#
# Here it is for one trajectory, in plain NumPy (the course's `KalmanCV` does the same for all objects at once):

# %%
def kalman_one(observed, q, r):
    """Constant-velocity Kalman filter over one trajectory (k, 2); returns the final state (x, y, vx, vy)."""
    F = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1]], float)  # one step ahead
    H = np.eye(2, 4)                                  # we measure position only
    G = np.array([[0.5, 0], [0, 0.5], [1, 0], [0, 1]])  # how an unknown acceleration enters
    Q, R = q**2 * G @ G.T, r**2 * np.eye(2)
    s = np.r_[observed[0], observed[1] - observed[0]]
    P = np.diag([r**2, r**2, 4 * r**2 + q**2, 4 * r**2 + q**2])
    for z in observed[1:]:
        s, P = F @ s, F @ P @ F.T + Q                          # predict
        K = P @ H.T @ np.linalg.inv(H @ P @ H.T + R)           # Kalman gain
        s, P = s + K @ (z - H @ s), (np.eye(4) - K @ H) @ P    # update
    return s


one = windows.observed[0]
state = kalman_one(one, q=0.02, r=0.01)
library = baselines.KalmanCV(process_std=0.02, measurement_std=0.01).filter(one[None])[0][0]
print("notebook filter:", state.round(4))
print("course_utils   :", library.round(4), " equal:", np.allclose(state, library))

# %% [markdown]
# Both give the same state. Now all three predictors, on the standard UCY test scenes (each tested as
# in the benchmark: every 20-position window of every pedestrian in the scene).

# %%
predictors = {"constant position": baselines.ConstantPosition(),
              "constant velocity": baselines.ConstantVelocity(),
              "Kalman (CV)": baselines.KalmanCV()}
published_cv = {"univ": (0.52, 1.16), "zara1": (0.43, 0.95), "zara2": (0.32, 0.72)}

tables = {}
for split in ["zara1", "zara2", "univ"]:
    tables[split] = metrics.evaluate(predictors, data.load_ucy(split), k=8, m=12)
ucy_table = pd.concat({s: t[["ADE", "FDE"]] for s, t in tables.items()}, axis=1).round(3)
ucy_table.loc["published CV (Schöller et al. 2020)"] = [v for s in tables for v in published_cv[s]]
ucy_table

# %% [markdown]
# Constant velocity reproduces the published figures (Schöller et al., "What the Constant Velocity Model
# Can Teach Us About Pedestrian Motion Prediction", RA-L 2020) to within 0.01 m on all three test sets: our
# windows and metrics are the benchmark's. Standing still (constant position) is between two and a half and six times worse.
# The Kalman filter, with its noise levels set from the data, is about 0.01 m *worse* than plain CV on UCY:
# these annotations are smooth (they were interpolated between hand-clicked key frames), so there is
# little noise to filter, and the filter's lag when a person changes pace costs more than it saves.
#
# Now the synthetic test split and the TUD pedestrians (in pixels, 25 frames/s):

# %%
synthetic_table = metrics.evaluate(predictors, test)
tud_table = metrics.evaluate(predictors, campus + stadt)
summary = pd.concat({"synthetic test (m)": synthetic_table[["ADE", "FDE"]],
                     "TUD, both sequences (px)": tud_table[["ADE", "FDE"]]}, axis=1).round(3)
print(f"windows: synthetic {synthetic_table.attrs['n_windows']}, TUD {tud_table.attrs['n_windows']}")
summary

# %% [markdown]
# On the synthetic test split, constant velocity again beats constant position by far. Here the Kalman
# filter helps a little (the synthetic positions carry 2 cm of independent noise per step, which the filter
# averages away). On TUD, in pixels, the filter helps clearly: box bottoms jitter from frame to frame as legs
# move, and at 25 frames/s that jitter is large compared with one step of motion.
#
# **Where the error comes from.** The error grows with the horizon — each step of a wrong velocity adds up:

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
steps = np.arange(1, 13)
for name in predictors:
    axes[0].plot(steps * 0.4, tables["zara1"].loc[name, "t+1":"t+12"], marker="o", ms=3, label=name)
    axes[1].plot(steps * 0.4, synthetic_table.loc[name, "t+1":"t+12"], marker="o", ms=3, label=name)
axes[0].set(title="UCY zara1 (real)", xlabel="time ahead (s)", ylabel="mean displacement error (m)")
axes[1].set(title="synthetic test split", xlabel="time ahead (s)", ylabel="mean displacement error (m)")
axes[0].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 7. Why constant velocity is a strong baseline
#
# People walk towards a goal, mostly in straight lines at a steady pace; over 4.8 seconds, that is what
# most of them keep doing. The synthetic families show where the rule breaks — it is exact (up to the
# noise) on straight, steady motion and fails on turns and stops:

# %%
by_family = pd.DataFrame({family: metrics.evaluate(predictors, [t for t in test if t.family == family])["ADE"]
                          for family in data.SYNTHETIC_FAMILIES}).T.round(3)
by_family.index.name = "family (ADE, m)"
by_family

# %% [markdown]
# On straight-line walkers constant velocity is off only by the annotation noise it extrapolates (and the
# Kalman filter, which smooths that noise, is better still); on walkers that turn or stop, the error is
# several times larger. That is the room a learned model has: **a network can only beat constant
# velocity where motion is predictably non-linear** — turning, slowing before a stop, avoiding others —
# and real pedestrian data contains little of it. Notebook 03 measures how much an LSTM finds.

# %% [markdown]
# ## 8. Try it: pick a trajectory
#
# Choose a data set, a trajectory and how many positions the predictors may observe, and see their
# predictions against what really happened. (Run the notebook to use the sliders.)

# %%
# NBVAL_IGNORE_OUTPUT
import ipywidgets as widgets

datasets = {"UCY zara1 (m)": zara1, "synthetic test (m)": test, "TUD-Stadtmitte (px)": stadt}


def show(dataset, index, k):
    trajs = [t for t in datasets[dataset] if len(t) >= k + 12]
    t = trajs[index % len(trajs)]
    observed, future = t.xy[:k], t.xy[k:k + 12]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(*observed.T, "k.-", label=f"observed ({k})")
    ax.plot(*future.T, "g.-", label="true future (12)")
    for name, predictor in predictors.items():
        ax.plot(*predictor.predict(observed[None], 12)[0].T, "--", label=name)
    ax.set(title=f"{dataset}, trajectory {index % len(trajs)} of {len(trajs)}", xlabel=f"x ({t.unit})",
           ylabel=f"y ({t.unit})", aspect="equal")
    if t.unit == "px":
        ax.invert_yaxis()
    ax.legend(fontsize=8)
    plt.show()


widgets.interact(show, dataset=list(datasets), index=widgets.IntSlider(0, 0, 100),
                 k=widgets.IntSlider(8, 2, 12));

# %% [markdown]
# ## Exercises
#
# Each exercise has a checker that tells you whether your answer is right and gives a hint if not.
# Replace the `...` with your code.
#
# **Exercise 1.** Write `displacements(xy)` that turns positions of shape `(T, 2)` into the `T - 1`
# displacements between consecutive positions — without `np.diff`.

# %% tags=["solution"]
def displacements(xy):
    return xy[1:] - xy[:-1]


# %%
checks.check_displacements(displacements)

# %% [markdown]
# **Exercise 2.** Write your own constant-velocity predictor: `constant_velocity(observed, horizon)`
# with `observed` of shape `(n, k, 2)`, returning `(n, horizon, 2)`. Use NumPy broadcasting, no loop.

# %% tags=["solution"]
def constant_velocity(observed, horizon):
    velocity = observed[:, -1] - observed[:, -2]                      # (n, 2)
    steps = np.arange(1, horizon + 1)[None, :, None]                  # (1, horizon, 1)
    return observed[:, -1][:, None, :] + steps * velocity[:, None, :]


# %%
checks.check_constant_velocity(constant_velocity)

# %% [markdown]
# **Exercise 3.** Write `my_ade(predicted, true)`: the average displacement error of predictions of shape
# `(n, m, 2)`.

# %% tags=["solution"]
def my_ade(predicted, true):
    return np.linalg.norm(predicted - true, axis=-1).mean()


# %%
checks.check_ade(my_ade)

# %% [markdown]
# **Exercise 4.** How many windows of 8 observed + 12 future positions does a trajectory of 30
# positions give (sliding by one)? Work it out, then check.

# %% tags=["solution"]
n_windows = 30 - (8 + 12) + 1

# %%
checks.check_window_count(n_windows)

# %% [markdown]
# ## Summary
#
# - Tracking as prediction: from the last $k = 8$ positions predict the next $m = 12$. Windows are cut
#   from whole trajectories, and data are split **by trajectory** so no test window has a near-copy in
#   training.
# - Real data: UCY pedestrians in metres (2.5 Hz) and TUD pedestrians in pixels (25 Hz) — different units,
#   different time steps, not comparable without normalising. Synthetic data adds known non-linear motion.
# - Constant velocity reproduces the published UCY figures (table in section 6) and beats standing still
#   by a factor of 2.5 to 6; the Kalman filter helps where positions are noisy (synthetic, TUD) and not on
#   the smooth UCY annotations.
# - A learned model can only win where motion is predictably non-linear (the per-family table in
#   section 7). Notebook 02 builds the recurrent network that will try, by hand in NumPy.
#
# The headline figures of this notebook (the course benchmark, `make bench`, collects them):

# %%
HEADLINE = {f"cv_ade_fde_{split}": [round(float(tables[split].loc["constant velocity", c]), 3) for c in ("ADE", "FDE")]
            for split in tables}
HEADLINE["cv_ade_synthetic"] = round(float(synthetic_table.loc["constant velocity", "ADE"]), 3)
HEADLINE["kalman_ade_synthetic"] = round(float(synthetic_table.loc["Kalman (CV)", "ADE"]), 3)
HEADLINE
