"""Localized text of the figures, notebooks, scripts, downloads and notes: the one place these
words live.

``FIGURE_LABELS[lang]`` is what the plotting cells of ``snippets/plots.py`` read as ``labels``:
the site's figures and the notebooks' and scripts' plots take their text from here alike (a
notebook defines it in a cell of its own). ``TEXT[lang]`` is the site's own text.

Symbols in figure text are matplotlib mathtext (``$\\hat{v}_t$``), drawn as math, not typed as
``v_t``. Terms follow the glossary page (docs/*/glossary.md): 一阶矩 first moment, 二阶矩 second moment,
偏差校正 bias correction, 迭代周期 epoch, 损失 loss, 平均遗憾 average regret.
"""

FIGURE_LABELS = {
    "zh": {
        # The reader's browser draws the SVG text; these families cover CJK on common systems.
        "fonts": ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
                  "WenQuanYi Micro Hei", "DejaVu Sans", "sans-serif"],
        "epoch": "迭代周期",
        "loss": "损失",
        "step": "时间步 $t$",
        "scratch_adam": "Adam（从零开始实现）",
        "scratch_yogi": "Yogi（从零开始实现）",
        "torch_adam": "torch.optim.Adam",
        "dropin_yogi": "Yogi（简洁实现的类）",
        "x_t": "$x_t$",
        "avg_regret": "平均遗憾 $R_t/t$",
        "optimum": "最优解 $x = -1$",
        "gradient": "梯度 $g_t$",
        "second_moment": "二阶矩 $s_t$",
        "adam_s": "Adam 的 $s_t$",
        "yogi_s": "Yogi 的 $s_t$",
        "raw_v": "$v_t$（未校正）",
        "hat_v": r"$\hat{v}_t$（偏差校正后）",
        "true_v": r"$\mathrm{E}[g]$",
        "raw_s": "$s_t$（未校正）",
        "hat_s": r"$\hat{s}_t$（偏差校正后）",
        "true_s": r"$\mathrm{E}[g^2]$",
        "first_moment_title": "一阶矩",
        "second_moment_title": "二阶矩",
    },
    "en": {
        "fonts": ["DejaVu Sans", "Helvetica", "Arial", "sans-serif"],
        "epoch": "epoch",
        "loss": "loss",
        "step": "step $t$",
        "scratch_adam": "Adam (from scratch)",
        "scratch_yogi": "Yogi (from scratch)",
        "torch_adam": "torch.optim.Adam",
        "dropin_yogi": "Yogi (the concise class)",
        "x_t": "$x_t$",
        "avg_regret": "average regret $R_t/t$",
        "optimum": "optimum $x = -1$",
        "gradient": "gradient $g_t$",
        "second_moment": "second moment $s_t$",
        "adam_s": "Adam's $s_t$",
        "yogi_s": "Yogi's $s_t$",
        "raw_v": "$v_t$ (uncorrected)",
        "hat_v": r"$\hat{v}_t$ (bias-corrected)",
        "true_v": r"$\mathrm{E}[g]$",
        "raw_s": "$s_t$ (uncorrected)",
        "hat_s": r"$\hat{s}_t$ (bias-corrected)",
        "true_s": r"$\mathrm{E}[g^2]$",
        "first_moment_title": "first moment",
        "second_moment_title": "second moment",
    },
}

TEXT = {
    "zh": {
        "synthetic_title": "合成数据（未能获得真实的 airfoil 数据文件）",
        "synthetic_admonition_title": "本页结果来自合成数据",
        "synthetic_admonition": (
            "构建时没能获得 airfoil 数据文件，本页的训练结果与图表来自形状相同的确定性合成回归数据，"
            "与书中的数值不可比较。设置 `ADAM_YOGI_DATA_DIR` 指向包含该文件的目录后重新构建即可。"
        ),
        "provenance_title": "本页结果的来源",
        "provenance": (
            "本页的输出与图表都由本次构建得到：它按页面顺序运行本页的代码块，"
            "就像读者在仓库之外的一个全新 Python 里运行它们一样。设备 {device}，PyTorch {torch}。"
        ),
        "provenance_benchmark": "本页的表格由本次构建运行 `tools.benchmark` 测得：设备 {device}，PyTorch {torch}。",
        "data_airfoil": "数据：NASA 翼型自噪声数据集（UCI 机器学习库，CC BY 4.0）。",
        "data_synthetic": "数据：确定性合成回归数据（真实数据不可用）。",
        "output": "输出",
        "benchmark_command": "命令",
        "downloads_title": "运行本章的代码",
        "downloads": (
            "本页的代码按顺序放在一起就能运行，只需要 PyTorch 和 matplotlib："
            '<a href="{ipynb}" download>下载笔记本（.ipynb）</a>，'
            '<a href="{py}" download>下载脚本（.py）</a>，'
            '或者<a href="{page}">在线阅读笔记本</a>。'
        ),
        "notebook_downloads": (
            '<a href="{ipynb}" download>下载本笔记本（.ipynb）</a> · '
            '<a href="{py}" download>下载本章的脚本（.py）</a>'
        ),
        "requirements": (
            "运行本笔记本只需要 PyTorch 和 matplotlib：`pip install torch matplotlib`"
            "（本站用 torch {torch} 和 matplotlib {matplotlib} 测试）。"
            "它不依赖本站的代码仓库，在 Jupyter、JupyterLab、VS Code 和 Colab 里都能运行。"
            "可以对照[本章正文]({chapter})阅读。"
        ),
        "labels_comment": "图中的文字（与本站的图相同）",
        "script_header": (
            "# {title}：本章的全部代码，按页面上的顺序排列。\n"
            "# 需要：pip install torch matplotlib（本站用 torch {torch}、matplotlib {matplotlib} 测试）\n"
            "# 运行：python {file}（打印本章的结果，并依次显示各图）"
        ),
        "code_download": (
            "本站的全部代码也打包成了一个文件："
            '<a href="{archive}" download><code>{name}</code></a>'
            "（`snippets` 目录、说明文件 README.md 和 requirements.txt）。"
        ),
        "repo": "源代码仓库：<{url}>。",
        "package_download": (
            "`torch-yogi` 包（本站构建的 wheel）："
            '<a href="{wheel}" download><code>{name}</code></a>，'
            "下载后用 `pip install {name}` 安装（需要 torch {torch_spec}）。"
        ),
        "pdf_download": (
            "全站的 PDF（各章按目录顺序，含公式、图、代码和参考文献）："
            '<a href="{pdf}" download><code>{name}</code></a>{size}。'
        ),
        "pdf_size": "（{mb} MB）",
    },
    "en": {
        "synthetic_title": "synthetic data (the real airfoil file was not available)",
        "synthetic_admonition_title": "Results on this page come from synthetic data",
        "synthetic_admonition": (
            "The airfoil data file could not be had when this site was built, so the training results "
            "and figures on this page come from a deterministic synthetic regression set of the same "
            "shape; they are not comparable with the book's numbers. Point `ADAM_YOGI_DATA_DIR` at a "
            "folder holding the file and rebuild."
        ),
        "provenance_title": "Where the results on this page come from",
        "provenance": (
            "Every output and figure on this page was produced by this build, which ran the page's "
            "code blocks in page order as a reader would, in a fresh Python outside the repository: "
            "device {device}, PyTorch {torch}. "
        ),
        "provenance_benchmark": "The table on this page was measured by this build with `tools.benchmark`: device {device}, PyTorch {torch}.",
        "data_airfoil": "Data: NASA airfoil self-noise (UCI Machine Learning Repository, CC BY 4.0).",
        "data_synthetic": "Data: a deterministic synthetic regression set (the real data was not available).",
        "output": "Output",
        "benchmark_command": "Command",
        "downloads_title": "Run this chapter's code",
        "downloads": (
            "The code blocks of this page run as they are, in order, with PyTorch and matplotlib alone: "
            '<a href="{ipynb}" download>download the notebook (.ipynb)</a>, '
            '<a href="{py}" download>download the script (.py)</a>, '
            'or <a href="{page}">read the notebook online</a>.'
        ),
        "notebook_downloads": (
            '<a href="{ipynb}" download>Download this notebook (.ipynb)</a> · '
            '<a href="{py}" download>Download the chapter\'s script (.py)</a>'
        ),
        "requirements": (
            "This notebook needs PyTorch and matplotlib only: `pip install torch matplotlib` "
            "(tested with torch {torch} and matplotlib {matplotlib}). It does not need this site's "
            "repository and runs in Jupyter, JupyterLab, VS Code and Colab. Read it beside "
            "[the chapter's text]({chapter})."
        ),
        "labels_comment": "The text of the figures, as on the site",
        "script_header": (
            "# {title}: the chapter's complete code, in page order.\n"
            "# Requires: pip install torch matplotlib (tested with torch {torch}, matplotlib {matplotlib})\n"
            "# Run: python {file}  (prints the chapter's results and shows its figures one by one)"
        ),
        "code_download": (
            "All the code of this site also comes as one file: "
            '<a href="{archive}" download><code>{name}</code></a> '
            "(the `snippets` folder, a README.md and a requirements.txt)."
        ),
        "repo": "The source repository: <{url}>.",
        "package_download": (
            "The `torch-yogi` package, as a wheel built with this site: "
            '<a href="{wheel}" download><code>{name}</code></a>; '
            "install it with `pip install {name}` (it needs torch {torch_spec})."
        ),
        "pdf_download": (
            "The whole site as one PDF (every chapter in order, with its formulas, figures, code and references): "
            '<a href="{pdf}" download><code>{name}</code></a>{size}.'
        ),
        "pdf_size": " ({mb} MB)",
    },
}
