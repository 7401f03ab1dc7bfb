{
  "targets": [
    {
      "target_name": "mammo_native",
      "variables": { "mammo_march%": "native", "mammo_sanitize%": "0" },
      "sources": [
        "src/adamw.cc",
        "src/addon.cc",
        "src/batchnorm.cc",
        "src/checks.cc",
        "src/conv.cc",
        "src/depthwise.cc",
        "src/elementwise.cc",
        "src/gemm.cc",
        "src/napi_args.cc",
        "src/pool.cc",
        "src/pool2d.cc",
        "src/reduce.cc",
        "src/scratch.cc"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=<(mammo_march)", "-ffp-contract=fast", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["mammo_sanitize==1", {
          "cflags_cc": ["-O1", "-g", "-fsanitize=address,undefined", "-fno-omit-frame-pointer"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ]
}
