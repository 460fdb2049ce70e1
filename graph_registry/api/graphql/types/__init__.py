"""Strawberry types, one family per module."""
