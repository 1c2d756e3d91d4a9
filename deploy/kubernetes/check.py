#!/usr/bin/env python3
"""Static checks of the example manifests (needs PyYAML; Python 3.11+ for tomllib). Not a cluster's validation:
it parses every document and checks that the pieces refer to each other (selectors, port names, volumes, manifests)."""
import glob, os, sys, tomllib
import yaml

os.chdir(os.path.dirname(os.path.abspath(__file__)))
for path in sorted(glob.glob("*.yaml")):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    services = [d for d in docs if d["kind"] == "Service"]
    maps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    for service in services:
        assert service["spec"]["clusterIP"] == "None", f"{path}: the Service must be headless"
        assert any(p["name"] == "roadrunner" and p["protocol"] == "TCP" for p in service["spec"]["ports"]), f"{path}: port 'roadrunner'/TCP"
    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]
        labels = pod["metadata"]["labels"]
        for selector in [deployment["spec"]["selector"]["matchLabels"]] + [s["spec"]["selector"] for s in services]:
            assert all(labels.get(k) == v for k, v in selector.items()), f"{path}: a selector misses the pod labels"
        volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
        assert volumes["shm"]["emptyDir"]["medium"] == "Memory", f"{path}: /dev/shm must be memory-backed"
        for container in pod["spec"]["containers"]:
            assert any(p["name"] == "roadrunner" for p in container["ports"]), f"{path}: container port 'roadrunner'"
            for mount in container["volumeMounts"]:
                assert mount["name"] in volumes, f"{path}: no volume {mount['name']}"
        manifest = tomllib.loads(maps[volumes["manifest"]["configMap"]["name"]]["data"]["roadrunner.toml"])
        assert "{function}" in manifest["network"]["dns"]["query_pattern"], f"{path}: the query pattern needs {{function}}"
    print(f"{path}: {', '.join(d['kind'] for d in docs)}: ok")
