using System.Text.Json;
using Federated.Core.Data.Weather;

namespace Federated.Core.Data.Generation;

/// <summary>
/// Writes a synthetic, non-IID federation: <c>site-01.csv</c> … one per site, plus <c>manifest.json</c> with every
/// building's true parameters. Buildings follow <see cref="BuildingSimulator"/> plus <see cref="UnmodelledDynamics"/>
/// under a <see cref="ThermostatSettings"/> controller, driven by the embedded Seattle hourly normals. The output
/// directory appears complete or not at all: everything is written to a hidden sibling directory first and then
/// renamed into place.
/// </summary>
public static class SiteDataGenerator
{
    /// <summary>Hours simulated before the first recorded row, so the start state is forgotten.</summary>
    public const int BurnInHours = 48;

    /// <summary>Generates the federation described by <paramref name="options"/> into <paramref name="outDir"/>.</summary>
    /// <param name="options">Settings; validated first.</param>
    /// <param name="outDir">Created (or, with <see cref="GeneratorOptions.Overwrite"/>, replaced).</param>
    /// <param name="progress">Receives the number of sites written so far.</param>
    /// <param name="cancellationToken">Stops generation; nothing is left behind.</param>
    public static async Task<GeneratedFederation> GenerateAsync(GeneratorOptions options, string outDir, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        options.Validate();

        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDir));
        string parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{outDir}' has no parent directory.", nameof(outDir));
        string name = Path.GetFileName(target);
        if (!options.Overwrite && Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new IOException($"Output directory '{target}' exists and is not empty; choose another or allow overwriting.");
        }
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{name}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            HourlyWeather weather = HourlyWeather.Seattle;
            long startHour = (new DateOnly(options.Year, 1, 1).AddDays(options.StartDayOfYear - 1).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber) * 24L;
            long splitHour = startHour + options.TrainDays * 24L;
            long endHour = startHour + options.TotalDays * 24L;

            var master = new Random(options.Seed);
            var sites = new List<SiteManifest>(options.Sites);
            var files = new List<string>(options.Sites);
            for (int site = 0; site < options.Sites; site++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var plan = SitePlan.Draw(site, new Random(master.Next()), options);
                await WriteSiteAsync(plan, weather, options, startHour, Path.Combine(staging, plan.Manifest.File), cancellationToken).ConfigureAwait(false);
                sites.Add(plan.Manifest);
                files.Add(Path.Combine(target, plan.Manifest.File));
                progress?.Report(site + 1);
            }

            var manifest = new FederationManifest(
                FederationManifest.CurrentFormatVersion, options,
                $"{weather.Name} (NOAA 1981–2010 hourly normals, Seattle, local standard time UTC{weather.UtcOffsetHours:+0;-0})",
                CohortValues.Columns, startHour, splitHour, endHour,
                ToUtc(startHour), ToUtc(splitHour), ToUtc(endHour), sites);
            await using (var stream = File.Create(Path.Combine(staging, FederationManifest.FileName)))
            {
                await JsonSerializer.SerializeAsync(stream, manifest, FederationManifest.JsonOptions, cancellationToken).ConfigureAwait(false);
            }

            Publish(staging, target, parent, name);
            return new GeneratedFederation(target, manifest, files);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    private static DateTimeOffset ToUtc(long hour) => DateTimeOffset.FromUnixTimeSeconds(hour * 3600);

    private static async Task WriteSiteAsync(SitePlan plan, HourlyWeather weather, GeneratorOptions options, long startHour, string path, CancellationToken cancellationToken)
    {
        int hours = options.TotalDays * 24;
        int total = hours + BurnInHours;
        long simulationStart = startHour - BurnInHours;
        var outdoor = new float[total];
        var solar = new float[total];
        var clearness = new DailyClearness(plan.Manifest.ClearnessSeed, weather.UtcOffsetHours);
        for (int k = 0; k < total; k++)
        {
            long hour = simulationStart + k;
            outdoor[k] = (float)(weather.TemperatureAtUtc(hour) + plan.Manifest.OutdoorOffsetK);
            solar[k] = (float)(SolarModel.MeanClearSkyGhi(weather.LatitudeDeg, weather.LongitudeDeg, hour) * clearness.At(hour));
        }

        var buildings = plan.Manifest.Buildings;
        var indoor = new float[buildings.Count][];
        var hvac = new float[buildings.Count][];
        for (int b = 0; b < buildings.Count; b++)
        {
            (indoor[b], hvac[b]) = SimulateBuilding(buildings[b], outdoor, solar, simulationStart, weather.UtcOffsetHours, options.IndoorNoiseStdDevK, plan.Random);
        }

        await using var writer = SiteCsvWriter.Create(path, CohortValues.Columns);
        string[][] cohorts = [.. buildings.Select(b => CohortValues.Columns.Select(c => b.Cohorts[c]).ToArray())];
        for (int i = 0; i < hours; i++)
        {
            if (i % 512 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            for (int b = 0; b < buildings.Count; b++)
            {
                writer.WriteRow(startHour + i, buildings[b].BuildingId, outdoor[i + BurnInHours], solar[i + BurnInHours], hvac[b][i], indoor[b][i], cohorts[b]);
            }
        }
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Simulates one building; returns the recorded (noisy) indoor temperatures and exact HVAC powers.</summary>
    private static (float[] Indoor, float[] Hvac) SimulateBuilding(BuildingManifest building, float[] outdoor, float[] solar,
        long simulationStart, int utcOffsetHours, double noiseStdDev, Random random)
    {
        int recorded = outdoor.Length - BurnInHours;
        var indoor = new float[recorded];
        var hvac = new float[recorded];
        TrueThermalParameters p = building.Parameters;
        bool leaky = building.BuildingAge == CohortValues.Pre1950;
        string tier = building.IncomeTier;
        double t = building.InitialIndoorC;
        for (int k = 0; k < outdoor.Length; k++)
        {
            DateTime local = DateTime.UnixEpoch.AddHours(simulationStart + k + utcOffsetHours);
            float q = (float)building.Thermostat.PowerKw(t, local.Hour);
            bool occupied = UnmodelledDynamics.IsOccupied(tier, local);
            double tout = outdoor[k];
            if (k >= BurnInHours)
            {
                indoor[k - BurnInHours] = (float)(t + noiseStdDev * Gaussian(random));
                hvac[k - BurnInHours] = q;
            }
            t = BuildingSimulator.Step(p, t, tout, solar[k], q,
                temperature => UnmodelledDynamics.RateKPerHour(temperature, tout, occupied, leaky, p.CapacitanceKwhPerK));
        }
        return (indoor, hvac);
    }

    /// <summary>Standard normal draw (Box–Muller).</summary>
    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static void Publish(string staging, string target, string parent, string name)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        if (!Directory.EnumerateFileSystemEntries(target).Any())
        {
            Directory.Delete(target);
            Directory.Move(staging, target);
            return;
        }
        string old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
        Directory.Move(target, old);
        Directory.Move(staging, target);
        TryDelete(old);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A site's random choices: cohorts, buildings and their parameters.</summary>
    private sealed class SitePlan
    {
        private SitePlan(SiteManifest manifest, Random random)
        {
            Manifest = manifest;
            Random = random;
        }

        public SiteManifest Manifest { get; }

        /// <summary>The site's generator, continued for the sensor noise after the plan is drawn.</summary>
        public Random Random { get; }

        public static SitePlan Draw(int site, Random random, GeneratorOptions options)
        {
            string name = $"site-{site + 1:D2}";
            double offset = (2 * random.NextDouble() - 1) * options.OutdoorOffsetRangeK;
            int clearnessSeed = random.Next();

            // Building ages: the under-represented one gets UnderRepresentedCount, the other two split the rest
            // unevenly, each keeping strictly more than the under-represented one.
            int rare = site % 3;
            int rareCount = options.UnderRepresentedCount;
            int rest = options.BuildingsPerSite - rareCount;
            int first = Math.Clamp((int)Math.Round(rest * (0.3 + 0.4 * random.NextDouble())), rareCount + 1, rest - rareCount - 1);
            var ages = new List<string>(options.BuildingsPerSite);
            ages.AddRange(Enumerable.Repeat(CohortValues.Ages[rare], rareCount));
            ages.AddRange(Enumerable.Repeat(CohortValues.Ages[(rare + 1) % 3], first));
            ages.AddRange(Enumerable.Repeat(CohortValues.Ages[(rare + 2) % 3], rest - first));
            Shuffle(ages, random);

            // Income: each site has its own mix of tiers.
            double[] weights = [.. Enumerable.Range(0, 3).Select(_ => 0.15 + random.NextDouble())];
            double weightSum = weights.Sum();

            var buildings = new List<BuildingManifest>(options.BuildingsPerSite);
            for (int b = 0; b < options.BuildingsPerSite; b++)
            {
                double u = random.NextDouble() * weightSum;
                int tier = u < weights[0] ? 0 : u < weights[0] + weights[1] ? 1 : 2;
                buildings.Add(DrawBuilding($"s{site + 1:D2}-b{b + 1:D3}", ages[b], CohortValues.IncomeTiers[tier], random));
            }

            var counts = new Dictionary<string, IReadOnlyDictionary<string, int>>(StringComparer.Ordinal)
            {
                [CohortValues.BuildingAge] = CohortValues.Ages.ToDictionary(a => a, a => buildings.Count(x => x.BuildingAge == a), StringComparer.Ordinal),
                [CohortValues.IncomeTier] = CohortValues.IncomeTiers.ToDictionary(t => t, t => buildings.Count(x => x.IncomeTier == t), StringComparer.Ordinal),
            };
            var manifest = new SiteManifest(site, name, name + ".csv", CohortValues.BuildingAge, CohortValues.Ages[rare],
                Math.Round(offset, 3), clearnessSeed, counts, buildings);
            return new SitePlan(manifest, random);
        }

        private static BuildingManifest DrawBuilding(string id, string age, string tier, Random random)
        {
            // Older buildings are leakier: lower R.
            (double rMin, double rMax) = age switch
            {
                CohortValues.Pre1950 => (2.0, 4.5),
                CohortValues.From1950To1990 => (3.5, 7.0),
                _ => (5.5, 10.0),
            };
            double r = Uniform(random, rMin, rMax);
            double tau = Math.Exp(Uniform(random, Math.Log(20), Math.Log(150)));
            double c = Math.Clamp(tau / r, 5.0, 40.0);
            double solarAperture = Uniform(random, 2.0, 12.0);
            double eta = Uniform(random, 0.8, 1.0);
            var parameters = new TrueThermalParameters(Math.Round(r, 4), Math.Round(c, 4), Math.Round(solarAperture, 4), Math.Round(eta, 4));

            double heating = Uniform(random, 19.0, 21.0);
            double setback = Uniform(random, 2.0, 3.0);
            double cooling = Uniform(random, 24.0, 26.0);
            // Sized for a −3 °C design day with 30 % margin, within 4–12 kW.
            double maxPower = Math.Clamp(1.3 * (heating + 3.0) / parameters.ResistanceKPerKw, 4.0, 12.0);
            // Full power about 1.5 K below set-point, but gentle enough not to oscillate hour to hour.
            double gain = Math.Min(maxPower / 1.5, 0.6 * parameters.CapacitanceKwhPerK / parameters.HvacEfficiency);
            var thermostat = new ThermostatSettings(Math.Round(heating, 3), Math.Round(setback, 3), Math.Round(cooling, 3), Math.Round(gain, 4), Math.Round(maxPower, 4));

            var cohorts = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [CohortValues.BuildingAge] = age,
                [CohortValues.IncomeTier] = tier,
            };
            return new BuildingManifest(id, cohorts, parameters, thermostat, thermostat.HeatingSetpointC);
        }

        private static double Uniform(Random random, double min, double max) => min + (max - min) * random.NextDouble();

        private static void Shuffle(List<string> items, Random random)
        {
            for (int i = items.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }
    }
}
