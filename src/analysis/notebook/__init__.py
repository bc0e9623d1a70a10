"""Helpers the notebooks call: load, params, keyfigures, plots, maps, tidy_tables, saved_files, shelling,
casualties, diplomacy, control, front; param_specs states each notebook parameter's check for the runner."""
