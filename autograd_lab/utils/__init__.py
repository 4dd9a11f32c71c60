"""Utilities (hooks; data loading arrives with autograd_lab.utils.data)."""
