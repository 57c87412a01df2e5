"""Localized text of the build-time figures and notes: the one place these words live.

Terms follow the glossary page (docs/*/glossary.md): 一阶矩 first moment, 二阶矩 second moment,
偏差校正 bias correction, 迭代周期 epoch, 损失 loss, 平均遗憾 average regret.
"""

TEXT = {
    "zh": {
        # The reader's browser draws the SVG text; these families cover CJK on common systems.
        "fonts": ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
                  "WenQuanYi Micro Hei", "DejaVu Sans", "sans-serif"],
        "epoch": "迭代周期",
        "loss": "损失",
        "step": "时间步 t",
        "scratch_adam": "Adam（从零开始实现）",
        "scratch_yogi": "Yogi（从零开始实现）",
        "torch_adam": "torch.optim.Adam",
        "optim_yogi": "snippets.optim.Yogi",
        "x_t": "x_t",
        "avg_regret": "平均遗憾 R_t / t",
        "optimum": "最优解 x = −1",
        "gradient": "梯度 g_t",
        "second_moment": "二阶矩 s_t",
        "adam_s": "Adam 的 s_t",
        "yogi_s": "Yogi 的 s_t",
        "spike": "尖峰",
        "raw_v": "v_t（未校正）",
        "hat_v": "v̂_t（偏差校正后）",
        "true_v": "E[g]",
        "raw_s": "s_t（未校正）",
        "hat_s": "ŝ_t（偏差校正后）",
        "true_s": "E[g²]",
        "first_moment_title": "一阶矩",
        "second_moment_title": "二阶矩",
        "synthetic_title": "合成数据（未能获得真实的 airfoil 数据文件）",
        "synthetic_admonition_title": "本页结果来自合成数据",
        "synthetic_admonition": (
            "构建时没能获得 airfoil 数据文件，本页的训练结果与图表来自形状相同的确定性合成回归数据，"
            "与书中的数值不可比较。设置 `ADAM_YOGI_DATA_DIR` 指向包含该文件的目录后重新构建即可。"
        ),
        "provenance_title": "本页结果的来源",
        "provenance": "本页的输出与图表都由本次构建运行 `snippets/` 中的代码（即本站展示的代码）得到：设备 {device}，PyTorch {torch}。",
        "data_airfoil": "数据：NASA airfoil self-noise（UCI 机器学习库，CC BY 4.0）。",
        "data_synthetic": "数据：确定性合成回归数据（真实数据不可用）。",
    },
    "en": {
        "fonts": ["DejaVu Sans", "Helvetica", "Arial", "sans-serif"],
        "epoch": "epoch",
        "loss": "loss",
        "step": "step t",
        "scratch_adam": "Adam (from scratch)",
        "scratch_yogi": "Yogi (from scratch)",
        "torch_adam": "torch.optim.Adam",
        "optim_yogi": "snippets.optim.Yogi",
        "x_t": "x_t",
        "avg_regret": "average regret R_t / t",
        "optimum": "optimum x = −1",
        "gradient": "gradient g_t",
        "second_moment": "second moment s_t",
        "adam_s": "Adam's s_t",
        "yogi_s": "Yogi's s_t",
        "spike": "spike",
        "raw_v": "v_t (uncorrected)",
        "hat_v": "v̂_t (bias-corrected)",
        "true_v": "E[g]",
        "raw_s": "s_t (uncorrected)",
        "hat_s": "ŝ_t (bias-corrected)",
        "true_s": "E[g²]",
        "first_moment_title": "first moment",
        "second_moment_title": "second moment",
        "synthetic_title": "synthetic data (the real airfoil file was not available)",
        "synthetic_admonition_title": "Results on this page come from synthetic data",
        "synthetic_admonition": (
            "The airfoil data file could not be had when this site was built, so the training results "
            "and figures on this page come from a deterministic synthetic regression set of the same "
            "shape; they are not comparable with the book's numbers. Point `ADAM_YOGI_DATA_DIR` at a "
            "folder holding the file and rebuild."
        ),
        "provenance_title": "Where the results on this page come from",
        "provenance": "Every output and figure on this page was produced by this build, running the code of `snippets/` that the site shows: device {device}, PyTorch {torch}. ",
        "data_airfoil": "Data: NASA airfoil self-noise (UCI Machine Learning Repository, CC BY 4.0).",
        "data_synthetic": "Data: a deterministic synthetic regression set (the real data was not available).",
    },
}
