"""capstone-assets: raw lake files into a warehouse as Dagster software-defined assets."""

import warnings

# Single-run backfills and group selections are the design (see DESIGN.md); Dagster marks them beta.
warnings.filterwarnings("ignore", message=r".*Parameter `(backfill_policy|include_sources)`.*is currently in beta")
