"""Validates artifacts against published JSON Schemas (draft 2020-12) with python3-jsonschema.

stdin: a JSON list of {"schema": path, "file": path, "format": "json" | "csv" | "jsonl"}.
stdout: one JSON object {"documents": n, "errors": ["<file>[<row>]: <message> at <path>", ...]}.
"""
import csv
import json
import sys

from jsonschema import Draft202012Validator


def documents(item):
    with open(item["file"], encoding="utf-8", newline="") as f:
        if item["format"] == "csv":
            return list(csv.DictReader(f))
        if item["format"] == "jsonl":
            return [json.loads(line) for line in f if line.strip()]
        return [json.load(f)]


def main():
    items = json.load(sys.stdin)
    checked, errors = 0, []
    for item in items:
        with open(item["schema"], encoding="utf-8") as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema)
        for i, doc in enumerate(documents(item)):
            checked += 1
            for error in validator.iter_errors(doc):
                where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                errors.append(f"{item['file']}[{i}]: {error.message} at {where}")
    json.dump({"documents": checked, "errors": errors}, sys.stdout)


main()
