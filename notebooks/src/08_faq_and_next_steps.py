# %% [markdown]
# # 08 · FAQ and next steps
#
# **You will learn**
# - the answers to the five questions of the article's FAQ (*常见问题与解答*), each backed by what notebooks
#   01–07 measured, with a link to the section and figure that shows it;
# - how the article's four-step recipe looks as the course built it, from video frames to tracks;
# - where the field went after the ideas of the article — trajectory forecasting (Social-LSTM, Social-GAN,
#   Trajectron++, transformers), tracking by detection (SORT, DeepSORT, ByteTrack), single-object deep
#   trackers (ROLO, Siamese networks) — and how to read their published figures (which protocol, which
#   detections);
# - the article's mistakes, collected in one table with the notebook that corrects each.
#
# **Prerequisites:** notebooks 01–07 (this notebook reads their stored results; it trains nothing).
#
# **Runtime:** about 5 seconds on a 2-core CPU.

# %%
import numpy as np
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

import course_utils
from course_utils import baselines, course, data, experiments, gradients, metrics, rnn, training

course_utils.setup()
pd.set_option("display.max_colwidth", 120)   # show the tables' labels in full

# %% [markdown]
# ## 1. Where the numbers come from
#
# Every number that this notebook attributes to an earlier notebook is **read from that notebook's stored
# output**, not typed in here: each of notebooks 01–07 ends with a cell that shows a dict `HEADLINE` of its
# headline figures (the same figures the course benchmark, `make bench`, collects), and
# `course_utils.course.read_headline` reads that dict back from the saved `.ipynb` file. So the answers
# below always agree with what those notebooks show; if a notebook is rebuilt and its figures move, this
# notebook is rebuilt after it and moves with it (`make notebooks` builds in numerical order, so 08 comes last).
# A figure that a notebook does not (yet) show reads *not yet measured*.
#
# A few cells also **recompute** a headline figure live, in a second or two, from `course_utils` with fixed
# seeds: evidence you can rerun, not a copy. Figures from papers are marked *reported by the authors, not
# measured here*.

# %%
evidence = course.Evidence(".")          # reads HEADLINE from every stored notebook 01-07 in this folder
print(evidence.status())


def all_measured(number, *values):
    """True if every value was read; otherwise say which notebook to run."""
    if any(v is None for v in values):
        print(course.not_measured(number))
        return False
    return True


def change(new, old):
    """Relative change from old to new, as a signed percentage string."""
    return f"{100 * (new / old - 1):+.0f} %"


# %% [markdown]
# ## 2. Q1 · 深度学习在图像跟踪中的应用有哪些?
#
# > **Q: 深度学习在图像跟踪中的应用有哪些？** — *What are the applications of deep learning in image tracking?*
# >
# > A: 深度学习在图像跟踪中的应用主要包括目标跟踪、目标识别、目标分割等。深度学习可以提高跟踪的准确性和效率。 —
# > *Mainly object tracking, object recognition and object segmentation. Deep learning can improve the accuracy and
# > efficiency of tracking.*
#
# The list mixes a task (tracking) with the tools a tracker uses (recognition, segmentation). Sorted by what
# each one delivers, and by what this course built:
#
# | application | what it delivers | built in this course? | where |
# |---|---|---|---|
# | **trajectory forecasting** | an object's future positions from its past ones — the article's own framing | yes: constant velocity and Kalman baselines, a NumPy RNN, Keras LSTM/GRU/SimpleRNN on real pedestrians | [01, section 6](01_tracking_as_sequence_prediction.ipynb#6.-The-baselines), [02, section 6](02_rnn_by_hand_numpy.ipynb#6.-Training-on-trajectory-windows), [03, section 6](03_keras_lstm_forecasting.ipynb#6.-LSTM,-GRU-and-SimpleRNN-on-real-pedestrians) |
# | **detection** (the article's *目标识别*, recognition, comes closest) | boxes around every object of a class in one frame | yes: background subtraction and the HOG people detector, measured next to two published detectors | [04, section 2](04_from_pixels_to_positions.ipynb#2.-Classic-detection-on-real-frames) |
# | **single-object tracking** | one given target followed through a video, also while hidden | yes: a CNN that finds the target, and a CNN + LSTM that keeps it behind an occluder | [04, section 4](04_from_pixels_to_positions.ipynb#4.-CNN-+-LSTM:-tracking-through-occlusion) |
# | **multi-object tracking** | every object followed with an identity that stays the same | yes: tracking by detection, with a Kalman filter or an LSTM as motion model | [05, section 6](05_video_tracking.ipynb#6.-Does-it-reproduce-SORT?), [05, section 12](05_video_tracking.ipynb#12.-Synthetic-video-with-heavy-occlusion:-counting-what-each-motion-model-loses) |
# | **segmentation** (*目标分割*) | a mask of every object's pixels | no — the background subtraction of 04 gives a mask of *moving* pixels, not of objects; deep instance segmentation is outside this course | [04, section 2](04_from_pixels_to_positions.ipynb#2.-Classic-detection-on-real-frames) |
#
# One measured figure for each application the course built, read from the notebooks named in the last column:

# %%
evidence.table([
    ("01", "cv_ade_fde_zara1", "forecasting: constant velocity, UCY zara1, ADE / FDE (m)"),
    ("03", "lstm_ade_fde_zara1", "forecasting: LSTM, UCY zara1, ADE / FDE (m)"),
    ("03", "lstm_ade_fde_zara2", "forecasting: LSTM, UCY zara2, ADE / FDE (m)"),
    ("03", "cv_ade_fde_zara2", "forecasting: constant velocity, UCY zara2, ADE / FDE (m)"),
    ("04", "f1_stadtmitte_hog", "detection: HOG people detector, TUD-Stadtmitte, F1"),
    ("04", "f1_stadtmitte_frcnn", "detection: published Faster R-CNN boxes, TUD-Stadtmitte, F1"),
    ("04", "occluded_err_px_cnn", "single object: CNN alone, error while hidden (px)"),
    ("04", "occluded_err_px_cnn_lstm", "single object: CNN + LSTM, error while hidden (px)"),
    ("05", "campus_kalman_mota", "multi-object: course tracker (Kalman), TUD-Campus, MOTA (%)"),
    ("05", "campus_sort_published_mota_idf1", "multi-object: SORT as published, TUD-Campus, MOTA / IDF1 (%)"),
    ("05", "synthetic_kalman_mean_idf1_maxage_30", "multi-object: Kalman motion, heavy occlusion, IDF1 (%)"),
    ("05", "synthetic_lstm_mean_idf1_maxage_30", "multi-object: LSTM motion, heavy occlusion, IDF1 (%)"),
])

# %% [markdown]
# Does deep learning "improve the accuracy and efficiency of tracking", as the answer says? What the course
# measured, computed from the table above:

# %%
cv1, cv2 = evidence.get("03", "cv_ade_fde_zara1"), evidence.get("03", "cv_ade_fde_zara2")
lstm1, lstm2 = evidence.get("03", "lstm_ade_fde_zara1"), evidence.get("03", "lstm_ade_fde_zara2")
if all_measured("03", cv1, cv2, lstm1, lstm2):
    print(f"LSTM vs constant velocity, ADE: zara1 {change(lstm1[0], cv1[0])}, zara2 {change(lstm2[0], cv2[0])}"
          " (real pedestrians, scenes never seen in training)")
hidden = [evidence.get("04", k) for k in ("occluded_err_px_cnn", "occluded_err_px_cnn_lstm",
                                          "occluded_err_px_kalman_cnn_dets")]
if all_measured("04", *hidden):
    print(f"target hidden: CNN alone {hidden[0]:.1f} px, CNN + LSTM {hidden[1]:.1f} px, "
          f"Kalman filter on the CNN's detections {hidden[2]:.1f} px")
idf1 = [evidence.get("05", f"synthetic_{m}_mean_idf1_maxage_30") for m in ("none", "kalman", "lstm")]
if all_measured("05", *idf1):
    print(f"identity keeping under heavy occlusion (IDF1 %): no motion model {idf1[0]}, Kalman {idf1[1]}, "
          f"LSTM {idf1[2]}")

# %% [markdown]
# Accuracy: **sometimes, by a little, where the data allow it.** A small LSTM forecasts real pedestrians a few
# per cent better than constant velocity ([03, section 10](03_keras_lstm_forecasting.ipynb#10.-Reading-the-result-honestly)
# explains where the gain comes from: the layout of the street it learned), a recurrent network carries a
# hidden target through an occlusion where a single-frame CNN cannot — though a Kalman filter on the same
# detections does about as well on these constant-velocity targets — and a learned motion model keeps identities
# better than the Kalman filter when occlusions are long ([05, section 12](05_video_tracking.ipynb#12.-Synthetic-video-with-heavy-occlusion:-counting-what-each-motion-model-loses)).
# Efficiency: **no** — constant velocity and the Kalman filter need no training and no data, and
# [05, section 6](05_video_tracking.ipynb#6.-Does-it-reproduce-SORT?) shows that a better *detector* changes the
# tracking scores far more than a better motion model.

# %% [markdown]
# ## 3. Q2 · 如何使用深度学习进行图像跟踪?
#
# > **Q: 如何使用深度学习进行图像跟踪？** — *How do we use deep learning for image tracking?*
# >
# > A: 我们可以使用递归神经网络（RNN）来进行图像跟踪。给定一系列已知的目标物体位置，我们可以将这些位置作为输入，然后通过RNN来预测未来的目标物体位置。 —
# > *We can use a recurrent neural network (RNN). Given a series of known positions of the target, we feed them in
# > and the RNN predicts its future positions.*
#
# The article's section 3 gives the recipe in four steps: 1. prepare the data (*准备数据*: turn the image
# sequence into vectors), 2. define the RNN (*定义RNN模型*), 3. train it (*训练模型*), 4. predict the future
# positions (*预测目标物体位置*). Here is the recipe as notebooks 01–05 built it, with the two pieces the
# article leaves out in grey:

# %%
def draw_recipe():
    fig, ax = plt.subplots(figsize=(13, 5))
    steps = [("1. images → vectors", "detector boxes → positions\n(04); windows of 8 observed\n→ 12 future, split by\ntrajectory (01)"),
             ("2. define the RNN", "$h_t = f(Wx_t + Uh_{t-1} + b)$\n$y_t = Vh_t + c$\nby hand in NumPy (02);\nLSTM(32) + Dense(24) (03)"),
             ("3. train", "BPTT + Adam, gradient\ncheck (02); validation,\nearly stopping (03);\nremedies (06), clipping (07)"),
             ("4. predict positions", "12 positions ahead (03);\none step per frame as\nthe motion model of a\ntracker (05)")]
    width, gap = 2.9, 0.45
    for i, (title, body) in enumerate(steps):
        x = i * (width + gap)
        ax.add_patch(FancyBboxPatch((x, 1.6), width, 1.9, boxstyle="round,pad=0.06", fc="#dde8f5", ec="0.3"))
        ax.text(x + width / 2, 3.2, title, ha="center", va="center", fontsize=10.5, weight="bold")
        ax.text(x + width / 2, 2.3, body, ha="center", va="center", fontsize=9, linespacing=1.4)
        if i < 3:
            ax.add_patch(FancyArrowPatch((x + width + 0.06, 2.55), (x + width + gap - 0.06, 2.55),
                                         arrowstyle="-|>", mutation_scale=16))
    step4 = 3 * (width + gap) + width / 2
    grey = [(4.4, 3.9, "score with ADE / FDE against the baselines:\nconstant velocity, Kalman filter (01)"),
            (9.75, 3.3, "association + track management:\nwho is who, frame to frame (05)")]
    for x, w, text in grey:
        ax.add_patch(FancyBboxPatch((x, 0.1), w, 0.85, boxstyle="round,pad=0.06", fc="#eeeeee", ec="0.6", ls="--"))
        ax.text(x + w / 2, 0.52, text, ha="center", va="center", fontsize=9, color="0.25")
    ax.add_patch(FancyArrowPatch((step4 - 0.8, 1.5), (8.35, 0.6), arrowstyle="-|>", mutation_scale=13,
                                 color="0.5", ls="--"))
    ax.add_patch(FancyArrowPatch((step4, 1.5), (step4, 1.05), arrowstyle="-|>", mutation_scale=13,
                                 color="0.5", ls="--"))
    ax.set(xlim=(-0.2, 4 * width + 3 * gap + 0.2), ylim=(-0.1, 3.75))
    ax.set_title("The article's four steps as the course built them (blue), and what it leaves out (grey)")
    ax.axis("off")
    return fig


draw_recipe()
plt.show()

# %% [markdown]
# Each step, with what the course measured (read from the notebooks):
#
# | step | done in | what to look at |
# |---|---|---|
# | 1. image sequence → vectors | [04, section 1](04_from_pixels_to_positions.ipynb#1.-What-"an-image-as-a-vector"-means) (three readings of "an image is a vector"), [04, section 2](04_from_pixels_to_positions.ipynb#2.-Classic-detection-on-real-frames) (detectors), [01, section 5](01_tracking_as_sequence_prediction.ipynb#5.-Windows-and-splits) (windows, splits by trajectory) | the detection table of 04 |
# | 2. define the RNN | [02, section 3](02_rnn_by_hand_numpy.ipynb#3.-The-forward-pass,-by-hand), [03, section 4](03_keras_lstm_forecasting.ipynb#4.-Step-3-—-two-numbers-per-position,-twelve-positions) | the unrolled graph of 02, section 2 |
# | 3. train | [02, section 5](02_rnn_by_hand_numpy.ipynb#5.-Gradient-check:-is-the-derivation-right?) (gradient check), [03, section 5](03_keras_lstm_forecasting.ipynb#5.-Step-4-—-batch-size,-validation,-early-stopping) | the loss curves of 02 and 03 |
# | 4. predict | [03, section 6](03_keras_lstm_forecasting.ipynb#6.-LSTM,-GRU-and-SimpleRNN-on-real-pedestrians), [05, section 7](05_video_tracking.ipynb#7.-A-learned-motion-model:-an-LSTM-as-a-recurrent-filter) | the per-horizon error plot of 03, section 6; the identity timelines of [05, section 11](05_video_tracking.ipynb#11.-Seeing-the-tracks) |

# %%
evidence.table([
    ("02", "rnn_ade_fde_synthetic", "step 3: NumPy RNN trained by hand, synthetic test, ADE / FDE (m)"),
    ("02", "cv_ade_fde_synthetic", "step 3: constant velocity, same windows, ADE / FDE (m)"),
    ("02", "rnn_ade_fde_zara1", "step 3: the same RNN on real UCY zara1, ADE / FDE (m)"),
    ("03", "lstm_over_cv_ade_synthetic", "step 4: LSTM ADE / constant-velocity ADE, synthetic test"),
    ("05", "stadtmitte_kalman_mota", "tracking: course tracker (Kalman), TUD-Stadtmitte, MOTA (%)"),
    ("05", "stadtmitte_sort_published_mota_idf1", "tracking: SORT as published, TUD-Stadtmitte, MOTA / IDF1 (%)"),
    ("05", "stadtmitte_lstm_idf1", "tracking: LSTM motion model, TUD-Stadtmitte, IDF1 (%)"),
])

# %% [markdown]
# **Live check 1 — the data and the metric.** Everything starts with windows and ADE/FDE. Constant velocity on
# the UCY zara1 scene, recomputed now with `course_utils` exactly as in
# [01, section 6](01_tracking_as_sequence_prediction.ipynb#6.-The-baselines), next to the published figure
# (Schöller et al., RA-L 2020, *reported by the authors*) and to what notebook 01 stored:

# %%
live_cv = metrics.evaluate({"constant velocity": baselines.ConstantVelocity()}, data.load_ucy("zara1"), k=8, m=12)
live_cv_zara1 = [round(float(live_cv.loc["constant velocity", c]), 3) for c in ("ADE", "FDE")]
print(f"constant velocity on zara1, {live_cv.attrs['n_windows']} windows: ADE / FDE = "
      f"{live_cv_zara1[0]} / {live_cv_zara1[1]} m (published: 0.43 / 0.95)")
print("same as notebook 01's stored figure:", live_cv_zara1 == evidence.get("01", "cv_ade_fde_zara1"))

# %% [markdown]
# **Live check 2 — the network and its gradient.** A tiny version of the RNN of
# [02, section 5](02_rnn_by_hand_numpy.ipynb#5.-Gradient-check:-is-the-derivation-right?) (2 inputs, 3 hidden
# units, 4 steps), its backpropagation-through-time gradient compared with finite differences for all six
# parameters:

# %%
tiny = rnn.init_params(d_in=2, hidden=3, d_out=2, seed=0)
rng = np.random.default_rng(0)
tiny = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in tiny.items()}   # make every part non-zero
x_tiny, target_tiny = rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 4, 2))


def tiny_loss_and_grads(params):
    outputs, cache = rnn.forward(params, x_tiny)
    loss, d_outputs = rnn.mse_loss(outputs, target_tiny)
    return loss, rnn.backward(params, cache, d_outputs)


tiny_errors = rnn.gradient_check(tiny_loss_and_grads, tiny)
gradcheck_ok = max(tiny_errors.values()) < 1e-6
print(f"largest relative error below 1e-6 for {', '.join(tiny_errors)}: {gradcheck_ok}")

# %% [markdown]
# So the recipe works as the article says — but it needs the pieces it leaves out: windows and splits by
# trajectory (01), baselines to beat (01), a head with the right shape and validation data (03), and, for video,
# association and track management (05).

# %% [markdown]
# ## 4. Q3 · Data and its cost
#
# > **Q: 深度学习模型需要大量的数据来进行训练，这会导致计算成本较高，有什么解决方案？** — *Deep learning models need a
# > lot of training data, which makes the computation costly; what can be done?*
# >
# > A: 为了解决计算成本较高的问题，我们可以使用数据增强技术来扩充数据集，从而减少模型的训练数据需求。 — *To reduce the
# > cost we can use data augmentation to enlarge the data set, and so reduce the model's need for training data.*
#
# **How much data?** [Notebook 06, section 3](06_overfitting_and_data.ipynb#3.-Data-hunger,-measured) trained an
# LSTM of 32 units on 25 to 1,600 synthetic trajectories (three seeds each) and scored it on 1,000 test
# trajectories against constant velocity. Its data-size curve, redrawn from the means it stored:

# %%
SIZES = [25, 100, 400, 1600]
hunger = {n: evidence.get("06", f"lstm_ade_{n}_trajectories") for n in SIZES}
cv_synthetic = evidence.get("06", "cv_ade_synthetic_test")
if all_measured("06", cv_synthetic, *hunger.values()):
    print(pd.Series(hunger, name="LSTM(32) test ADE (m)").rename_axis("training trajectories").to_string())
    print(f"constant velocity: {cv_synthetic} m;  LSTM below it from "
          f"{min([n for n in SIZES if hunger[n] < cv_synthetic], default='no size tried')} trajectories on")
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.plot(SIZES, [hunger[n] for n in SIZES], "o-", label="LSTM(32), mean of 3 seeds")
    ax.axhline(cv_synthetic, color="k", ls="--", lw=1, label="constant velocity")
    ax.set(xscale="log", xlabel="training trajectories", ylabel="test ADE (m)",
           title="Data hunger (values read from notebook 06, section 3)")
    ax.set_xticks(SIZES, [str(n) for n in SIZES])
    ax.minorticks_off()
    ax.legend()
    plt.show()

# %% [markdown]
# The network needs data: with the smallest training sets it is far worse than the rule that needs no data at
# all, and it gets below that rule only from the size printed above. The article's "needs a lot of data" holds;
# for this small task "a lot" means hundreds to thousands of trajectories.
#
# **What it costs.** One pass over the data (an epoch) takes ⌈n / batch size⌉ gradient steps, so with a fixed
# number of epochs the compute grows in proportion to the data. `training.batches_per_epoch`, for the batches
# of 64 windows that 06 used:

# %%
print(pd.Series({n: training.batches_per_epoch(n, 64) for n in [25, 100, 400, 1600, 6400]},
                name="gradient steps per epoch").rename_axis("training windows").to_string())

# %% [markdown]
# Beyond the smallest sets the steps grow in proportion to the data (last two rows: four times the windows, four
# times the steps). Notebook 06 measured the wall time in its section 3 (it also gives the small sets a minimum
# number of steps): seconds on a laptop CPU at this scale, growing with the data.
#
# **Does augmentation solve it?** Augmentation — each epoch, every training walk rotated, mirrored, scaled and
# jittered anew ([06, section 5](06_overfitting_and_data.ipynb#5.-The-remedies,-one-at-a-time-and-combined)) —
# was measured on 100 trajectories, with the deliberately over-sized LSTM of 06, section 4:

# %%
oversized, augmented = evidence.get("06", "oversized_ade"), evidence.get("06", "augmentation_ade")
if all_measured("06", oversized, augmented, cv_synthetic):
    print(f"100 trajectories, over-sized LSTM: test ADE {oversized} m without augmentation, {augmented} m with it "
          f"({change(augmented, oversized)}); constant velocity {cv_synthetic} m -> with augmentation the network is "
          f"{'below' if augmented < cv_synthetic else 'still above'} it")

# %% [markdown]
# So augmentation does reduce the need for *collected* data — it was the strongest single remedy 06 measured —
# because it adds knowledge the data lacked (the motion is the same in every direction and on both sides). It
# does **not** reduce the computation, which the question was about: every epoch still trains on as many
# windows, now freshly transformed. And it is only as valid as its physics: time reversal makes walkers avoid
# each other *after* passing (06, section 5). The cheapest answer to "costly" is the one the course kept
# finding: measure a rule that needs no training first (constant velocity), and train only where it fails.

# %% [markdown]
# ## 5. Q4 · Overfitting
#
# > **Q: 深度学习模型可能会过拟合，有什么解决方案？** — *Deep models may overfit; what can be done?*
# >
# > A: 为了解决过拟合问题，我们可以使用正则化技术来约束模型复杂度。正则化技术可以帮助模型更加简单，从而减少过拟合的风险。 —
# > *We can use regularisation to constrain the model's complexity; it makes the model simpler and so reduces the
# > risk of overfitting.*
#
# [Notebook 06, section 4](06_overfitting_and_data.ipynb#4.-Overfitting,-shown) makes an LSTM overfit on purpose
# (far more weights than 100 training trajectories can pin down): the training loss keeps falling while the
# validation loss turns up. Section 5 then tries the remedies one at a time — L2 penalty, dropout, recurrent dropout, early
# stopping, a smaller model, augmentation with and without time reversal — and all of them together, three seeds
# each; its **remedies table and bar chart** are the answer to this question. The figures 06 stores:

# %%
evidence.table([
    ("06", "oversized_gap", "over-sized LSTM: validation - training loss (normalised MSE)"),
    ("06", "oversized_ade", "over-sized LSTM: synthetic test ADE (m)"),
    ("06", "augmentation_ade", "+ augmentation: synthetic test ADE (m)"),
    ("06", "cv_ade_synthetic_test", "constant velocity: synthetic test ADE (m)"),
])

# %% [markdown]
# How 06 reads its table: early stopping and the smaller model help, for opposite reasons (one stops before the
# network memorises, the other cannot memorise much); augmentation helps most; L2 and dropout at the strengths
# tried barely move the result; combining remedies does not add them up; and no network trained on 100
# synthetic trajectories beats constant velocity on the real TUD pedestrians. So the article's answer is
# **right in direction and incomplete**: "regularisation" is not one thing — some forms help, some do little at
# sensible strengths — and the remedy that helped most is not a constraint on the model but more (synthetic)
# data. None of them fixes a mismatch between training data and the real world.

# %% [markdown]
# ## 6. Q5 · Vanishing and exploding gradients
#
# > **Q: 深度学习模型可能会受到梯度消失和梯度爆炸的影响，有什么解决方案？** — *Deep models may suffer from vanishing and
# > exploding gradients; what can be done?*
# >
# > A: 为了解决梯度消失和梯度爆炸的问题，我们可以使用不同的激活函数和优化器来调整模型。例如，我们可以使用ReLU作为激活函数，使用Adam优化器进行优化。 —
# > *Use other activation functions and optimisers; for example ReLU as the activation and the Adam optimiser.*
#
# **The mechanism, live.** The gradient that reaches step $t$ is multiplied by one Jacobian
# $\operatorname{diag}(f'(a_k))\,U^\top$ per step in between
# ([07, section 2](07_vanishing_and_exploding_gradients.ipynb#2.-The-mechanism:-a-product-of-Jacobians)). Measured
# now with `course_utils.gradients` on 64 walkers of 50 steps, a 32-unit RNN whose recurrent matrix has spectral
# radius $r$, three seeds — the factor by which the gradient shrinks (< 1) or grows (> 1) per step back:

# %%
x_long, y_long, _ = experiments.turn_signal_task(64, lag=49, seed=0)


def factor_per_step(radius, activation, input_scale=1.0):
    """Geometric-mean factor per step of ||dL/dh_t||, distances 10 to 49, over seeds 0, 1, 2."""
    logs = []
    for seed in (0, 1, 2):
        params = rnn.init_params(2, 32, 2, seed=seed, spectral_radius=radius)
        norms = gradients.state_gradient_norms(params, x_long * input_scale, y_long, activation)
        logs.append(np.log(norms[49] / norms[9]) / 40)
    return round(float(np.exp(np.mean(logs))), 2)


radii = [0.9, 1.0, 1.1]
factors = pd.DataFrame({"tanh, tiny inputs (linear regime)": [factor_per_step(r, "tanh", 1e-12) for r in radii],
                        "tanh": [factor_per_step(r, "tanh") for r in radii],
                        "ReLU": [factor_per_step(r, "relu") for r in radii]},
                       index=pd.Index(radii, name="spectral radius r"))
factors

# %%
for r in (0.9, 1.1):
    f = factors.loc[r, "tanh, tiny inputs (linear regime)"]
    print(f"r = {r}: factor {f} per step -> after 40 steps the gradient is {f ** 40:.0e} times its size at the loss")
stored_relu = evidence.get("07", "factor_per_step_relu_r1.0")
if all_measured("07", stored_relu):
    print(f"ReLU at r = 1.0: {factors.loc[1.0, 'ReLU']} here, {stored_relu} in notebook 07 -> same: "
          f"{factors.loc[1.0, 'ReLU'] == stored_relu}")

# %% [markdown]
# In the linear regime the factor is the spectral radius: 0.9 per step vanishes, 1.1 explodes. With real inputs
# tanh saturates and pulls every factor below $r$; ReLU pulls it lower still (half its units are inactive, with
# derivative 0). Now the article's two remedies, and the ones it does not name, as
# [07](07_vanishing_and_exploding_gradients.ipynb#7.-Verdict) measured them on a task that needs a 30- or 40-step
# memory (accuracy: share of walkers whose turn is predicted to the right side; 0.5 is chance):

# %%
evidence.table([
    ("07", "factor_per_step_relu_r1.0", "ReLU, usual (orthogonal) initialisation, r = 1: factor per step"),
    ("07", "factor_per_step_tanh_linear_r1.5", "tanh, linear regime, r = 1.5: factor per step"),
    ("07", "accuracy_sgd_no_clip", "explosion: SGD from r = 1.5, no clipping, accuracy (lag 30)"),
    ("07", "accuracy_sgd_clipped", "explosion: same, gradient clipped at global norm 1, accuracy"),
    ("07", "accuracy_irnn_clipped", "ReLU with U = identity (IRNN), Adam, clipped, accuracy"),
    ("07", "accuracy_lag40_simplernn", "lag 40, SimpleRNN(32), accuracy"),
    ("07", "accuracy_lag40_gru", "lag 40, GRU(18), accuracy"),
    ("07", "accuracy_lag40_lstm", "lag 40, LSTM(16), default forget bias 1, accuracy"),
    ("07", "accuracy_lag40_lstm_fb3", "lag 40, LSTM(16), forget bias 3, accuracy"),
])

# %% [markdown]
# Where "use ReLU and Adam" holds, and where it does not:
#
# | the article's remedy | holds | does not hold | evidence |
# |---|---|---|---|
# | **ReLU** instead of tanh | with the identity initialisation of Le et al. (IRNN), *and* gradient clipping: the gradient neither shrinks nor grows at the start, and all seeds learn the 30-step memory | with the usual initialisation ReLU vanishes *faster* than tanh (factor per step above) and learned nothing; an unbounded ReLU with identity recurrence also *explodes* without clipping | [07, section 4](07_vanishing_and_exploding_gradients.ipynb#4.-The-article's-first-remedy:-ReLU-instead-of-tanh) |
# | **Adam** | against plain SGD, which had no good learning rate; Adam gives every parameter a step of about the learning rate whatever the size of its gradient | tuned SGD with momentum and RMSprop did as well; Adam cannot restore the long-range part of the gradient, a tiny share of the sum it sees | [07, section 5](07_vanishing_and_exploding_gradients.ipynb#5.-The-article's-second-remedy:-Adam) |
# | (not in the article) **gradient clipping** | cures explosion: every update is capped, all seeds learn | does nothing for vanishing | [07, section 3](07_vanishing_and_exploding_gradients.ipynb#3.-Explosion,-and-its-cure:-gradient-clipping) |
# | (not in the article) **gated cells** (LSTM, GRU) | an LSTM whose forget gate starts open (bias 3) carried the signal across 40 steps in every seed | default LSTM and GRU did not, within the same budget: a gate near 0.73 per step is a vanishing factor too | [07, section 6](07_vanishing_and_exploding_gradients.ipynb#6.-What-the-article-does-not-say:-gated-cells) |
#
# (07's optimiser table, with each optimiser at its best learning rate, is in its section 5; its headline
# figures do not include it, so it is linked rather than quoted here.)

# %% [markdown]
# ## 7. Where the field went next
#
# The course stops where research began to move fast. What came next, in the three directions the course touched,
# with the figures **reported by the authors, not measured here**. Each figure below was checked against the
# authors' paper abstract or repository, or against quotations of the paper's table in other public
# repositories; where a figure could not be checked, it is left out.
#
# **How to compare forecasting figures.** ETH/UCY results are ADE/FDE in metres over 12 predicted positions
# (4.8 s) after 8 observed, each scene tested after training on the other four. Two protocols share the name:
# **deterministic** — one prediction per pedestrian, as everything in this course — and **best-of-20** — the model
# samples 20 futures and the one closest to the truth is scored (an oracle choice, which rewards diversity and
# cannot be used at run time without knowing the truth). Best-of-20 figures are therefore much lower and are not
# comparable with deterministic ones.

# %%
published = pd.DataFrame([
    {"method": "constant velocity (Schöller et al., RA-L 2020)", "protocol": "deterministic",
     "zara1": "0.43 / 0.95", "zara2": "0.32 / 0.72", "univ": "0.52 / 1.16", "5-scene mean": "",
     "source": "reported by the authors"},
    {"method": "LSTM baseline (Gupta et al., CVPR 2018)", "protocol": "deterministic",
     "zara1": "0.41 / 0.88", "zara2": "0.52 / 1.11", "univ": "", "5-scene mean": "0.70 / 1.52",
     "source": "reported by the authors"},
    {"method": "Social-LSTM, as run by Gupta et al. (CVPR 2018)", "protocol": "deterministic",
     "zara1": "", "zara2": "", "univ": "", "5-scene mean": "0.72 / 1.54", "source": "reported by the authors"},
    {"method": "Social-GAN, SGAN-20V-20 (Gupta et al.; released models)", "protocol": "best of 20",
     "zara1": "0.34 / 0.69", "zara2": "0.31 / 0.64", "univ": "0.56 / 1.18", "5-scene mean": "",
     "source": "reported by the authors"},
])
course_rows = []
for key, label, number in [("cv", "constant velocity (this course, notebook 01/03)", "03"),
                           ("lstm", "LSTM(32), displacements (this course, notebook 03)", "03")]:
    z1, z2 = evidence.get(number, f"{key}_ade_fde_zara1"), evidence.get(number, f"{key}_ade_fde_zara2")
    univ = evidence.get("01", "cv_ade_fde_univ") if key == "cv" else None
    course_rows.append({"method": label, "protocol": "deterministic",
                        "zara1": course.format_value(z1) if z1 else course.not_measured(number),
                        "zara2": course.format_value(z2) if z2 else course.not_measured(number),
                        "univ": course.format_value(univ) if univ else "", "5-scene mean": "",
                        "source": "measured here"})
pd.concat([published, pd.DataFrame(course_rows)]).set_index("method")

# %% [markdown]
# (ADE / FDE in metres; empty: not reported in the checked sources, or not measured here — the course does not
# ship the two ETH scenes. Compare rows within one protocol only.)
#
# - **Social-LSTM** (A. Alahi, K. Goel, V. Ramanathan, A. Robicquet, L. Fei-Fei, S. Savarese, "Social LSTM: Human
#   Trajectory Prediction in Crowded Spaces", CVPR 2016) gives each pedestrian an LSTM and pools the hidden states
#   of the neighbours, so that people can avoid each other. Later papers compare against the version Gupta et al.
#   ran for Social GAN (row above), which on average does not beat their plain LSTM baseline. (The original
#   paper's own table defines its error differently and is not directly comparable.)
# - **Social GAN** (A. Gupta, J. Johnson, L. Fei-Fei, S. Savarese, A. Alahi, "Social GAN: Socially Acceptable
#   Trajectories with Generative Adversarial Networks", CVPR 2018) generates *several* plausible futures with a
#   GAN and a "variety loss", and is scored on the best of 20 samples. The figures above are those of the models
#   the authors released (their repository's model zoo, which notes they are better than the paper's).
# - **Trajectron++** (T. Salzmann, B. Ivanovic, P. Chakravarty, M. Pavone, "Trajectron++: Dynamically-Feasible
#   Trajectory Forecasting With Heterogeneous Data", ECCV 2020) is a graph of recurrent networks with a
#   conditional VAE, dynamics integration and maps; it reports both a most-likely (deterministic) and a best-of-20
#   evaluation on ETH/UCY and "outperforming a wide array of state-of-the-art deterministic and generative methods".
#   Its per-scene figures could not be checked here and are left out.
# - **Transformers** (F. Giuliari, I. Hasan, M. Cristani, F. Galasso, "Transformer Networks for Trajectory
#   Forecasting", ICPR 2020) replace the LSTM by attention, one person at a time with no social term: the authors
#   report the best score on the TrajNet benchmark and, with a multi-future extension, results "on par with more
#   engineered techniques" on ETH+UCY. Figures not checked here, left out.
# - **Constant velocity** (C. Schöller, V. Aravantinos, F. Lay, A. Knoll, "What the Constant Velocity Model Can
#   Teach Us About Pedestrian Motion Prediction", RA-L 2020) is the sobering companion: "a simple Constant
#   Velocity Model can outperform even state-of-the-art neural models". The course reproduces its figures
#   (live check 1 above) and its lesson (03: a few per cent is what a single trajectory's past allows).
#
# **Tracking by detection.** The same pipeline as notebook 05, with better parts. MOTChallenge figures come in two
# kinds: **public detections** (every tracker gets the benchmark's boxes, so the tracker is compared) and
# **private detections** (each brings its own detector, so detector and tracker are compared together).
#
# | tracker | what it adds | reported by the authors, not measured here | source |
# |---|---|---|---|
# | **SORT** | constant-velocity Kalman filter on boxes, IoU + Hungarian assignment, the design of notebook 05 | MOT15 (its repository's table, Faster R-CNN detections): MOTA 62.7 on TUD-Campus, 34.0 over six MOT15 training sequences; the tracker alone runs at 260 Hz | A. Bewley, Z. Ge, L. Ott, F. Ramos, B. Upcroft, "Simple Online and Realtime Tracking", ICIP 2016 |
# | **DeepSORT** | an appearance descriptor (a CNN trained for person re-identification) in the association, so identities survive longer occlusions | on MOT16, 45 % fewer identity switches than SORT, "competitive performance at high frame rates" | N. Wojke, A. Bewley, D. Paulus, "Simple Online and Realtime Tracking with a Deep Association Metric", ICIP 2017 |
# | **ByteTrack** | associates the *low-score* boxes too, in a second round, instead of throwing them away; a strong YOLOX detector trained on extra data | MOT17 test, private detections: MOTA 80.3, IDF1 77.3, HOTA 63.1, at 30 FPS on one V100 GPU | Y. Zhang, P. Sun, Y. Jiang, D. Yu, F. Weng, Z. Yuan, P. Luo, W. Liu, X. Wang, "ByteTrack: Multi-Object Tracking by Associating Every Detection Box", ECCV 2022 |
#
# MOT17 figures for SORT and DeepSORT from their own authors could not be checked here (their papers report on
# MOT15 and MOT16), so they are left out rather than guessed; read across rows with care, since the benchmarks and
# the detections differ. What this course adds to the row of SORT is a measurement: its
# tracker gives SORT's published TUD figures exactly:

# %%
for seq in ("campus", "stadtmitte"):
    ours = [evidence.get("05", f"{seq}_kalman_mota"), evidence.get("05", f"{seq}_kalman_idf1")]
    sort = evidence.get("05", f"{seq}_sort_published_mota_idf1")
    if all_measured("05", *ours, sort):
        print(f"TUD-{seq.capitalize()}: course tracker MOTA / IDF1 {ours[0]} / {ours[1]}, SORT {sort[0]} / {sort[1]} "
              f"-> identical: {ours == sort}")

# %% [markdown]
# **Single-object deep trackers.** Given one target in the first frame, follow it.
#
# - **ROLO** (G. Ning, Z. Zhang, C. Huang, Z. He, X. Ren, H. Wang, "Spatially Supervised Recurrent Convolutional
#   Neural Networks for Visual Object Tracking", arXiv:1607.05781, 2016) feeds YOLO's features and box into an LSTM
#   that regresses the target's location — the design of notebook 04's CNN + LSTM
#   ([04, section 4](04_from_pixels_to_positions.ipynb#4.-CNN-+-LSTM:-tracking-through-occlusion)). The authors
#   report it more accurate and robust than the trackers they compared with, at low computational cost.
# - **GOTURN** (D. Held, S. Thrun, S. Savarese, "Learning to Track at 100 FPS with Deep Regression Networks", ECCV
#   2016) regresses the box from two crops with a network trained offline, without fine-tuning at test time: 100
#   frames per second.
# - **Siamese trackers** (L. Bertinetto, J. Valmadre, J. F. Henriques, A. Vedaldi, P. H. S. Torr,
#   "Fully-Convolutional Siamese Networks for Object Tracking", ECCV 2016 Workshops) learn a similarity function
#   offline on video (ILSVRC15) and track by cross-correlating the target's embedding over the next frame: "frame-rates
#   beyond real-time" with state-of-the-art accuracy at the time. Many later single-object trackers (SiamRPN and
#   its successors) build on this matching design rather than on recurrence.
#
# The thread through all three directions: the recurrent network of the article survives as one component among
# several — motion model, sequence encoder — while most of the progress came from what a single trajectory does
# not contain: other people, the scene, appearance, and better detectors.

# %% [markdown]
# ## 8. The article's mistakes, corrected
#
# | the article says | what is wrong | corrected in |
# |---|---|---|
# | $h_t = f(Wx_t + Uh_{t-1} + b)$, $y_t = g(Wh_t + c)$ | the same $W$ for input→hidden and hidden→output: two different matrices (shapes $H \times d_{in}$ and $d_{out} \times H$), so the output weights are $V$ | [00, glossary](00_welcome_and_setup.ipynb#Glossary-·-术语表), [02, section 1](02_rnn_by_hand_numpy.ipynb) |
# | `model.fit(X_train, y_train, epochs=100, batch_size=32)`: *每个epoch包含32个批次* ("each epoch contains 32 batches") | `batch_size` is the number of *examples* per batch; an epoch over $n$ windows is $\lceil n/32 \rceil$ batches (live below) | [03, section 5](03_keras_lstm_forecasting.ipynb#5.-Step-4-—-batch-size,-validation,-early-stopping) |
# | the Keras snippet | `timesteps`, `input_dim`, `X_train`, `y_train`, `X_test` are never defined: it cannot run | [03, section 1](03_keras_lstm_forecasting.ipynb#1.-The-article's-snippet,-as-written) |
# | `model.add(Dense(1))` to predict positions | one number where a forecast needs 12 positions × 2 coordinates; Keras's MSE broadcasts it silently, so the model would learn an average that is not a position | [03, sections 1 and 4](03_keras_lstm_forecasting.ipynb#4.-Step-3-—-two-numbers-per-position,-twelve-positions) |
# | 100 epochs, no validation data | nobody can see when the model starts to overfit: validation by whole trajectory, early stopping | [03, section 5](03_keras_lstm_forecasting.ipynb#5.-Step-4-—-batch-size,-validation,-early-stopping), [06, section 4](06_overfitting_and_data.ipynb#4.-Overfitting,-shown) |
# | "each image can be seen as a vector" (step 1) | true but not enough: raw pixels are not shift-invariant; a detector's box or a feature vector is the useful vector | [04, section 1](04_from_pixels_to_positions.ipynb#1.-What-"an-image-as-a-vector"-means) |
# | deep learning "improves the accuracy and efficiency of tracking" (FAQ 1) | on real pedestrians a small LSTM beats constant velocity by a few per cent, and constant velocity costs nothing; in tracking, the detector matters more than the motion model | [03, section 10](03_keras_lstm_forecasting.ipynb#10.-Reading-the-result-honestly), [05, section 6](05_video_tracking.ipynb#6.-Does-it-reproduce-SORT?) |
# | data augmentation "reduces the need for training data" and so the cost (FAQ 3) | it reduces the need for *collected* data (the strongest remedy measured) but not the computation, and only where the transformations are physically valid | [06, section 5](06_overfitting_and_data.ipynb#5.-The-remedies,-one-at-a-time-and-combined) |
# | regularisation against overfitting (FAQ 4) | incomplete: early stopping and a smaller model helped, L2 and dropout at usual strengths did little, augmentation helped most | [06, section 5](06_overfitting_and_data.ipynb#5.-The-remedies,-one-at-a-time-and-combined) |
# | "use ReLU" against vanishing gradients (FAQ 5) | contradicted with the usual initialisation: ReLU vanishes faster than tanh and learned nothing; it works only as IRNN (identity initialisation) with clipping | [07, sections 2 and 4](07_vanishing_and_exploding_gradients.ipynb#4.-The-article's-first-remedy:-ReLU-instead-of-tanh) |
# | "use Adam" (FAQ 5) | partly: Adam beats plain SGD, but tuned momentum and RMSprop do as well, and no optimiser restores the long-range gradient; clipping, not named, is the cure for explosion | [07, sections 3 and 5](07_vanishing_and_exploding_gradients.ipynb#5.-The-article's-second-remedy:-Adam) |
# | the LSTM "handles long sequences through long-term memory" | only once its forget gate is open: with Keras's default bias the LSTM failed a 40-step memory that it learned with bias 3 | [07, section 6](07_vanishing_and_exploding_gradients.ipynb#6.-What-the-article-does-not-say:-gated-cells) |
# | *递归神经网络* for RNN | the name also means *recursive* networks (over trees); *循环神经网络* is the unambiguous term for recurrent ones | [00, glossary](00_welcome_and_setup.ipynb#Glossary-·-术语表) |
#
# The `batch_size` row, live: the training windows of notebook 03 (four UCY scenes, 85 % of the pedestrians,
# every second window), counted again here, and the number of batches one epoch takes with the article's
# `batch_size=32`:

# %%
train_scenes = ["students001", "students003", "uni_examples", "crowds_zara03"]
ucy_train, _ = data.split_by_trajectory(data.load_ucy(train_scenes), fractions=(0.85, 0.15), seed=0)
n_train_windows = len(data.make_windows(ucy_train, k=8, m=12, stride=2))
seed_batches = training.batches_per_epoch(n_train_windows, 32)
print(f"{n_train_windows} training windows, batch_size=32 -> {seed_batches} batches per epoch, not 32; "
      f"100 epochs = {100 * seed_batches} gradient steps")

# %% [markdown]
# ## Summary
#
# - The article's five questions, answered with measurements: deep learning helps tracking **a little, where the
#   data contain predictable structure** (section 2); its four-step recipe works once the missing pieces — windows,
#   baselines, validation, association — are added (section 3, with the pipeline figure); networks need hundreds of
#   trajectories to beat constant velocity, and augmentation reduces the data needed but not the compute (section 4);
#   overfitting has several remedies of unequal value (section 5); and "ReLU and Adam" is half right — clipping,
#   initialisation and open gates matter as much (section 6, with the live product-of-Jacobians table).
# - Every measured figure above was read from the stored notebooks 01–07, and four were recomputed live: constant
#   velocity on zara1, a gradient check, the gradient factor per step, and the batches per epoch.
# - The field went on to model several futures (Social GAN, Trajectron++), other people and the scene, attention
#   instead of recurrence, appearance in the association (DeepSORT), and every detection box (ByteTrack) —
#   figures reported by their authors in section 7, with their protocols.
# - The article's mistakes are collected in section 8, each with the notebook that corrects it.
#
# The figures this notebook recomputed live (the course benchmark, `make bench`, collects them):

# %%
HEADLINE = {
    "cv_ade_fde_zara1_live": live_cv_zara1,
    "gradcheck_below_1e-6": bool(gradcheck_ok),
    "factor_per_step_tanh_linear_r0.9": float(factors.loc[0.9, "tanh, tiny inputs (linear regime)"]),
    "factor_per_step_tanh_linear_r1.1": float(factors.loc[1.1, "tanh, tiny inputs (linear regime)"]),
    "factor_per_step_relu_r1.0": float(factors.loc[1.0, "ReLU"]),
    "batches_per_epoch_seed_snippet": int(seed_batches),
}
HEADLINE

# %% [markdown]
# And every figure this notebook quoted from the stored notebooks, as read when it was built (`None`: not
# measured). `tests/test_course.py` checks that these still equal what notebooks 01–07 show, so a rebuilt notebook
# cannot leave this one behind unnoticed:

# %%
QUOTED = evidence.quoted
QUOTED
