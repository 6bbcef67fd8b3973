using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Tollgate.Bench.MeteringBenchmarks).Assembly).Run(args);
