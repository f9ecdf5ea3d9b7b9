"""Relational store: sqlmodel tables, repository functions, engine and migrations."""
