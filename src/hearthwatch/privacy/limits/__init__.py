"""Restriction and objection (P21, P22): limits a person sets on how their data is used."""
