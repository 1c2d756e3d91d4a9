using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roadrunner.Hosting;

namespace Roadrunner.Extensions.Hosting;

/// <summary>Registers a Roadrunner node with the generic host.</summary>
public static class RoadrunnerServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="RoadrunnerNode"/> configured from <paramref name="configuration"/> (the <c>Roadrunner</c>
    /// section, or the section itself if it is one): options validated when the host starts, with messages naming each
    /// bad key; unknown keys are errors too (a misspelt setting never passes silently); lists bind as written (they
    /// replace a default, never append to it). The node starts and stops with the host; <see cref="FunctionHost"/> and
    /// its <c>RegionPool</c> are resolvable once it runs (or through <see cref="RoadrunnerNode"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration, or its <c>Roadrunner</c> section.</param>
    /// <param name="configure">Changes applied after binding (e.g. a resolver or TLS settings that configuration cannot express), or null.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddRoadrunner(this IServiceCollection services, IConfiguration configuration, Action<RoadrunnerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IConfiguration section = configuration is IConfigurationSection { Key: RoadrunnerOptions.SectionName }
            ? configuration
            : configuration.GetSection(RoadrunnerOptions.SectionName);
        OptionsBuilder<RoadrunnerOptions> builder = services.AddOptions<RoadrunnerOptions>()
            .Configure(options => BindStrictly(section, options));
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return services.AddRoadrunnerCore();
    }

    /// <summary>Adds a <see cref="RoadrunnerNode"/> configured in code.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddRoadrunner(this IServiceCollection services, Action<RoadrunnerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RoadrunnerOptions>().Configure(configure);
        return services.AddRoadrunnerCore();
    }

    private static IServiceCollection AddRoadrunnerCore(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(RoadrunnerNode)))
        {
            return services; // a second call only adds its configuration
        }

        services.AddOptions<RoadrunnerOptions>().ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<RoadrunnerOptions>>(sp => new RoadrunnerOptionsSetup(ContentRoot(sp), sp.GetService<ILoggerFactory>()));
        services.AddSingleton<IValidateOptions<RoadrunnerOptions>>(sp => new RoadrunnerOptionsValidator(ContentRoot(sp)));
        services.AddSingleton<RoadrunnerNode>();
        services.AddHostedService(sp => sp.GetRequiredService<RoadrunnerNode>());
        // Singletons, so that no scope ever disposes them; the root container disposes them after the node stopped it.
        services.AddSingleton(sp => sp.GetRequiredService<RoadrunnerNode>().Host);
        services.AddSingleton(sp => sp.GetRequiredService<RoadrunnerNode>().Host.Pool);
        return services;
    }

    /// <summary>Binds with unknown keys as errors, and puts the binder's inner reasons (which name the key) in the message.</summary>
    private static void BindStrictly(IConfiguration section, RoadrunnerOptions options)
    {
        List<string> unknown = UnknownKeys.Find(section, typeof(RoadrunnerOptions), RoadrunnerOptions.SectionName);
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"The '{RoadrunnerOptions.SectionName}' configuration has keys no setting takes (misspelt, or at the wrong level): {string.Join(", ", unknown)}.");
        }

        try
        {
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            var reasons = new List<string>();
            for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            {
                reasons.Add(inner.Message);
            }

            throw new InvalidOperationException($"The '{RoadrunnerOptions.SectionName}' configuration cannot be bound: {string.Join(" ", reasons)}", e);
        }
    }

    private static string ContentRoot(IServiceProvider services) =>
        services.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory();
}
