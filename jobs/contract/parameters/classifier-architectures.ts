import { z } from "zod";
import { withInvariants } from "../invariants.ts";

/**
 * The classifiers the stages build: timm's ConvNeXt models (v1 and v2) with the pretrained tags
 * timm knows for each, as the locked timm (1.0.31) registers them. train-fold, select-checkpoints
 * and export-onnx create the model with `timm.create_model(architecture)`
 * (jobs/python/src/mammoflow_jobs/models/convnext.py), which refuses an unknown name or tag only
 * once the stage runs; tests/parity/classifier-architectures.test.ts compares this table with
 * timm's registry.
 */
export const CLASSIFIER_ARCHITECTURES: Readonly<Record<string, readonly string[]>> = {
  convnext_atto: ["d2_in1k"],
  convnext_atto_ols: ["a2_in1k"],
  convnext_atto_rms: [],
  convnext_base: [
    "clip_laion2b",
    "clip_laion2b_augreg",
    "clip_laion2b_augreg_ft_in1k",
    "clip_laion2b_augreg_ft_in12k",
    "clip_laion2b_augreg_ft_in12k_in1k",
    "clip_laion2b_augreg_ft_in12k_in1k_384",
    "clip_laiona",
    "clip_laiona_320",
    "clip_laiona_augreg_320",
    "clip_laiona_augreg_ft_in1k_384",
    "dinov3_lvd1689m",
    "eupe_lvd1689m",
    "fb_in1k",
    "fb_in22k",
    "fb_in22k_ft_in1k",
    "fb_in22k_ft_in1k_384",
  ],
  convnext_femto: ["d1_in1k"],
  convnext_femto_ols: ["d1_in1k"],
  convnext_large: ["dinov3_lvd1689m", "fb_in1k", "fb_in22k", "fb_in22k_ft_in1k", "fb_in22k_ft_in1k_384"],
  convnext_large_mlp: [
    "clip_laion2b_augreg",
    "clip_laion2b_augreg_ft_in1k",
    "clip_laion2b_augreg_ft_in1k_384",
    "clip_laion2b_augreg_ft_in12k_384",
    "clip_laion2b_ft_320",
    "clip_laion2b_ft_soup_320",
    "clip_laion2b_soup_ft_in12k_320",
    "clip_laion2b_soup_ft_in12k_384",
    "clip_laion2b_soup_ft_in12k_in1k_320",
    "clip_laion2b_soup_ft_in12k_in1k_384",
  ],
  convnext_nano: ["d1h_in1k", "in12k", "in12k_ft_in1k", "r384_ad_in12k", "r384_in12k", "r384_in12k_ft_in1k"],
  convnext_nano_ols: ["d1h_in1k"],
  convnext_pico: ["d1_in1k"],
  convnext_pico_ols: ["d1_in1k"],
  convnext_small: [
    "dinov3_lvd1689m",
    "eupe_lvd1689m",
    "fb_in1k",
    "fb_in22k",
    "fb_in22k_ft_in1k",
    "fb_in22k_ft_in1k_384",
    "in12k",
    "in12k_ft_in1k",
    "in12k_ft_in1k_384",
  ],
  convnext_tiny: [
    "dinov3_lvd1689m",
    "eupe_lvd1689m",
    "fb_in1k",
    "fb_in22k",
    "fb_in22k_ft_in1k",
    "fb_in22k_ft_in1k_384",
    "in12k",
    "in12k_ft_in1k",
    "in12k_ft_in1k_384",
  ],
  convnext_tiny_hnf: ["a2h_in1k"],
  convnext_xlarge: ["fb_in22k", "fb_in22k_ft_in1k", "fb_in22k_ft_in1k_384"],
  convnext_xxlarge: [
    "clip_laion2b_rewind",
    "clip_laion2b_soup",
    "clip_laion2b_soup_ft_in1k",
    "clip_laion2b_soup_ft_in12k",
  ],
  convnext_zepto_rms: ["ra4_e3600_r224_in1k"],
  convnext_zepto_rms_ols: ["ra4_e3600_r224_in1k"],
  convnextv2_atto: ["fcmae", "fcmae_ft_in1k"],
  convnextv2_base: ["fcmae", "fcmae_ft_in1k", "fcmae_ft_in22k_in1k", "fcmae_ft_in22k_in1k_384"],
  convnextv2_femto: ["fcmae", "fcmae_ft_in1k"],
  convnextv2_huge: ["fcmae", "fcmae_ft_in1k", "fcmae_ft_in22k_in1k_384", "fcmae_ft_in22k_in1k_512"],
  convnextv2_large: ["fcmae", "fcmae_ft_in1k", "fcmae_ft_in22k_in1k", "fcmae_ft_in22k_in1k_384"],
  convnextv2_nano: ["fcmae", "fcmae_ft_in1k", "fcmae_ft_in22k_in1k", "fcmae_ft_in22k_in1k_384"],
  convnextv2_pico: ["fcmae", "fcmae_ft_in1k"],
  convnextv2_small: [],
  convnextv2_tiny: ["fcmae", "fcmae_ft_in1k", "fcmae_ft_in22k_in1k", "fcmae_ft_in22k_in1k_384"],
};

/** Whether timm builds `name`: an architecture, optionally `.<pretrained tag>` of that architecture. */
export function isClassifierArchitecture(name: string): boolean {
  const dot = name.indexOf(".");
  const architecture = dot < 0 ? name : name.slice(0, dot);
  const tags = Object.hasOwn(CLASSIFIER_ARCHITECTURES, architecture)
    ? CLASSIFIER_ARCHITECTURES[architecture]
    : undefined;
  return tags !== undefined && (dot < 0 || tags.includes(name.slice(dot + 1)));
}

/** The same set as one RE2 pattern for CEL's matches(): each architecture with its own tags. */
function architecturePattern(): string {
  const names = Object.entries(CLASSIFIER_ARCHITECTURES).map(([architecture, tags]) =>
    tags.length === 0 ? architecture : `${architecture}([.](${tags.join("|")}))?`,
  );
  return `^(${names.join("|")})$`;
}

/** A classifier's timm model name, refused when the resource is written if no stage can build it. */
export const ClassifierArchitecture = withInvariants(z.string().min(1).max(128), [
  {
    cel: `self.matches('${architecturePattern()}')`,
    message: `model.architecture must be a ConvNeXt timm builds, optionally with one of its pretrained tags (e.g. convnext_small.fb_in22k_ft_in1k_384, convnext_atto): one of ${Object.keys(CLASSIFIER_ARCHITECTURES).join(", ")}`,
    holds: isClassifierArchitecture,
  },
]);
