// The playground's words in both languages (the page's <html lang> picks one). Terms follow the
// glossary (docs/*/glossary.md): 二阶矩 second moment, 学习率 learning rate, 有效学习率 effective
// learning rate, 初始累加器 initial accumulator, 损失 loss, 平均遗憾 average regret, 反例 counterexample.

export const TEXT = {
  en: {
    widget: "Playground: Adam, AMSGrad and Yogi",
    problem: "Problem",
    problems: { spikes: "Spiky gradients", counterexample: "The counterexample", rosenbrock: "Rosenbrock function (2-D)" },
    presets: "Presets",
    figureAbove: (label) => `${label} (the figure above)`,
    join: "; ",
    preset: {
      "spikes-0.99": "Spikes, β₂ = 0.99",
      "spikes-0.999": "Spikes, β₂ = 0.999",
      "counterexample-3": "Counterexample, C = 3",
      "counterexample-2.3": "C = 2.3",
      "rosenbrock-0.999": "Rosenbrock, β₂ = 0.999",
      "rosenbrock-0.99": "Rosenbrock, β₂ = 0.99",
    },
    control: {
      lr: "learning rate η", alpha: "α (α_t = α/√t)", beta1: "β₁", beta2: "β₂", eps: "ε",
      s0: "s₀, the initial accumulator", s0Yogi: "s₀, Yogi’s initial accumulator",
      spike: "spike size |g|", C: "C", steps: "steps T", coordinate: "coordinate",
    },
    note: {
      spikes: "The gradient stream the build drew for the figure above (1000 steps; spikes at t = 151, 451, 751). No bias correction: every method starts at s₀. AMSGrad’s s_t is the running maximum of Adam’s.",
      counterexample: "As in the paper’s analysis: β₁ = 0, β₂ = 1/(1 + C²), s₀ = 0, no bias correction, x projected onto [−1, 1]. The optimum is x = −1.",
      rosenbrock: "f(x₁, x₂) = (1 − x₁)² + 100(x₂ − x₁²)², from (−1.5, 2) to the minimum at (1, 1). The updates of snippets.optim.Adam (amsgrad=True for AMSGrad) and snippets.optim.Yogi, with ŝ_t bias-corrected.",
    },
    chart: {
      g: "gradient g_t", s: "second moment s_t (log scale)", sHat: "second moment ŝ_t of the chosen coordinate (log scale)",
      stepSpikes: "effective learning rate η/(√s_t + ε) (log scale)",
      sLast: "second moment s_t, the last 30 steps (log scale)",
      stepCounter: "effective learning rate α_t/(√s_t + ε), the last 30 steps (log scale)",
      stepRosen: "effective learning rate η/(√ŝ_t + ε) of the chosen coordinate (log scale)",
      x: "x_t (the optimum is −1)", regret: "average regret R_t / t (log step axis)",
      path: "trajectory over the contours of f", loss: "loss f(x_t) (log scale)",
      step: "step t",
    },
    summary: {
      spikes: (m, r) => `${m}: s_T = ${r.s}, effective learning rate at T = ${r.step}`,
      counterexample: (m, r) => `${m}: x_T = ${r.x}, R_T/T = ${r.regret}`,
      rosenbrock: (m, r) => `${m}: x_T = (${r.x1}, ${r.x2}), f(x_T) = ${r.loss}`,
    },
  },
  zh: {
    widget: "交互演示：Adam、AMSGrad 与 Yogi",
    problem: "问题",
    problems: { spikes: "带尖峰的梯度", counterexample: "反例", rosenbrock: "Rosenbrock 函数（二维）" },
    presets: "预设",
    figureAbove: (label) => `${label}（即上图）`,
    join: "；",
    preset: {
      "spikes-0.99": "尖峰，β₂ = 0.99",
      "spikes-0.999": "尖峰，β₂ = 0.999",
      "counterexample-3": "反例，C = 3",
      "counterexample-2.3": "C = 2.3",
      "rosenbrock-0.999": "Rosenbrock，β₂ = 0.999",
      "rosenbrock-0.99": "Rosenbrock，β₂ = 0.99",
    },
    control: {
      lr: "学习率 η", alpha: "α（α_t = α/√t）", beta1: "β₁", beta2: "β₂", eps: "ε",
      s0: "s₀，初始累加器", s0Yogi: "s₀，Yogi 的初始累加器",
      spike: "尖峰大小 |g|", C: "C", steps: "步数 T", coordinate: "坐标",
    },
    note: {
      spikes: "梯度序列就是构建时为上图生成的那一条（1000 步，尖峰在 t = 151、451、751）。没有偏差校正：三种方法都从 s₀ 出发。AMSGrad 的 s_t 是 Adam 的 s_t 的累计最大值。",
      counterexample: "设置与论文的分析相同：β₁ = 0，β₂ = 1/(1 + C²)，s₀ = 0，没有偏差校正，每步之后把 x 投影回 [−1, 1]。最优解是 x = −1。",
      rosenbrock: "f(x₁, x₂) = (1 − x₁)² + 100(x₂ − x₁²)²，从 (−1.5, 2) 出发，最小值在 (1, 1)。更新规则就是 snippets.optim.Adam（AMSGrad 即 amsgrad=True）与 snippets.optim.Yogi 的，ŝ_t 经过偏差校正。",
    },
    chart: {
      g: "梯度 g_t", s: "二阶矩 s_t（对数纵轴）", sHat: "所选坐标的二阶矩 ŝ_t（对数纵轴）",
      stepSpikes: "有效学习率 η/(√s_t + ε)（对数纵轴）",
      sLast: "二阶矩 s_t，最后 30 步（对数纵轴）",
      stepCounter: "有效学习率 α_t/(√s_t + ε)，最后 30 步（对数纵轴）",
      stepRosen: "所选坐标的有效学习率 η/(√ŝ_t + ε)（对数纵轴）",
      x: "x_t（最优解是 −1）", regret: "平均遗憾 R_t / t（对数横轴）",
      path: "f 的等高线上的轨迹", loss: "损失 f(x_t)（对数纵轴）",
      step: "步数 t",
    },
    summary: {
      spikes: (m, r) => `${m}：s_T = ${r.s}，第 T 步的有效学习率 = ${r.step}`,
      counterexample: (m, r) => `${m}：x_T = ${r.x}，R_T/T = ${r.regret}`,
      rosenbrock: (m, r) => `${m}：x_T = (${r.x1}, ${r.x2})，f(x_T) = ${r.loss}`,
    },
  },
};

export const NAMES = { adam: "Adam", amsgrad: "AMSGrad", yogi: "Yogi" };

export function text(lang) {
  return TEXT[String(lang).toLowerCase().startsWith("zh") ? "zh" : "en"];
}
