using Confide.Platform.Mail;
using System.Text.Json;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.SharedState;
using Confide.Identity;
using Confide.Messaging;
using Confide.Platform;
using Confide.Privacy;
using Confide.Server.Hosting;
using Confide.Server.Hosting.Idempotency;
using Confide.Server.Hosting.Messenger;
using Confide.Server.Hosting.RateLimiting;
using Confide.Server.Hosting.Sso;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Confide.Server;

/// <summary>Composes the modules into one web application; Program and the CLI both start here.</summary>
public static class ConfideHost
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            // Pages and static assets belong to this assembly also when a test host starts it.
            ApplicationName = typeof(ConfideHost).Assembly.GetName().Name,
        });
        var services = builder.Services;
        var confide = builder.Configuration.GetSection(ConfideOptions.Section).Get<ConfideOptions>() ?? new ConfideOptions();
        // State no region owns (cookie keys, rate-limit counters) is shared through PostgreSQL when a region uses it.
        var sharedState = SharedStateDatabase.ConnectionString(confide);
        services.AddSingleton(TimeProvider.System);
        services.AddConfideData();
        services.AddConfideJobs();
        services.AddConfideCrypto();
        services.AddConfideAudit();
        services.AddConfideMail();
        services.AddConfideIdentity();
        services.Configure<Microsoft.AspNetCore.Identity.IdentityPasskeyOptions>(options => options.ValidateOrigin = PasskeyOrigins.ValidateAsync);
        services.AddMessaging();
        services.AddPrivacy();
        services.AddScoped<Hosting.Sso.SsoSignIn>();
        services.AddOptions<TlsOptions>().BindConfiguration(TlsOptions.Section);
        services.AddConfideRateLimits(sharedState);
        services.AddSingleton(sp => new RegionalEndpoints(sp.GetRequiredService<IOptions<ConfideOptions>>().Value));
        services.AddSingleton(sp => new LocalCertificateAuthority(
            sp.GetRequiredService<IOptions<ConfideOptions>>().Value.DataDirectoryFullPath, sp.GetRequiredService<TimeProvider>()));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        // Links and redirects the app generates use the same lower-case paths people type.
        services.Configure<RouteOptions>(options => options.LowercaseUrls = true);
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            options.SerializerOptions.MaxDepth = 32;
            // Free-form members (search queries, key sets) refuse lone surrogates as a 400, not a 500 later.
            options.SerializerOptions.Converters.Add(new WellFormedJsonElementConverter());
        });
        // Cookie and antiforgery keys live with the rest of the state, so restarts keep sessions.
        var dataDirectory = confide.DataDirectoryFullPath;
        // ...encrypted under their own key file, never stored in clear.
        services.AddSingleton(new DataProtectionKeyFile(Path.Combine(dataDirectory, "keys", "data-protection.key")));
        var dataProtection = services.AddDataProtection().SetApplicationName("confide");
        // With PostgreSQL, several processes share the key ring, so any of them accepts a session cookie.
        if (sharedState is { } shared)
        {
            services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(options => options.XmlRepository = new PostgresDataProtectionKeys(shared));
        }
        else
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys", "data-protection")));
        }

        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<DataProtectionKeyFile>((options, keyFile) => options.XmlEncryptor = new KeyFileXmlEncryptor(keyFile));
        services.AddRazorPages(options => options.Conventions.AuthorizeFolder("/App"))
            .AddMvcOptions(options =>
            {
                options.Filters.Add<AppResponseHeaders>();
                options.Filters.Add<StepUpPageFilter>();
            });
        // Encode only what HTML needs (<, >, &, quotes): names in any script stay readable.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(options =>
            options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        var sessions = builder.Configuration.GetSection(TeammateSessionOptions.Section).Get<TeammateSessionOptions>() ?? new TeammateSessionOptions();
        sessions.Validate();
        services.AddOptions<TeammateSessionOptions>().BindConfiguration(TeammateSessionOptions.Section);
        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/app/login";
            options.Cookie.Name = "confide_session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            options.Cookie.SameSite = SameSiteMode.Strict;
            // Idle timeout: the cookie slides while the teammate is active; the absolute lifetime is checked on every request.
            options.ExpireTimeSpan = TimeSpan.FromMinutes(sessions.IdleMinutes);
            options.SlidingExpiration = true;
            options.Events.OnValidatePrincipal = TeammateCookieValidation.ValidateAsync;
            SignInAgainRedirect.Configure(options);
        });
        // Every cookie Confide sets travels only over HTTPS and is out of scripts' reach: the
        // two-factor and external sign-in cookies as well as the session (SameSite stays as each
        // scheme sets it, Lax unless stricter), and the antiforgery cookie.
        services.PostConfigureAll<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
        });
        // TempData (a refused action's message, a change interrupted by step-up) is encrypted and signed; Lax so it
        // survives the return from an identity provider.
        services.Configure<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>(options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            options.Cookie.SameSite = SameSiteMode.Lax;
        });
        services.AddAntiforgery(options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        return builder;
    }

    /// <summary>Binds the regional HTTPS endpoints; skipped by commands that do not serve.</summary>
    public static void ConfigureEndpoints(WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ConfideOptions.Section).Get<ConfideOptions>() ?? new ConfideOptions();
        var tls = builder.Configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions();
        var authority = new LocalCertificateAuthority(options.DataDirectoryFullPath, TimeProvider.System);
        // One source for every endpoint (Kestrel applies the HTTPS defaults once per listener).
        var certificates = new Lazy<ServerCertificateSource>(() => ServerCertificateSource.Create(tls, authority, TimeProvider.System));
        new RegionalEndpoints(options).Listen(
            builder,
            () => certificates.Value,
            tls.MaxRequestBodyBytes);
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseMiddleware<HttpToHttpsRedirect>();
        app.UseMiddleware<StrictTransportSecurity>();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseTrustedProxies();
        app.UseMiddleware<RequestSizeLimits>();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseConfideStatusCodePages();
        // Before routing and authentication: a throttled request costs no token lookup.
        app.UseRateLimiter();
        app.UseStaticFiles();
        // Before routing, so an Idempotency-Key replay can run the pipeline again as a GET.
        app.UseMiddleware<IdempotentRetryMiddleware>();
        app.UseRouting();
        app.UseMiddleware<RegionGuardMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization: only a caller with a valid token is told which versions are served.
        app.UseMiddleware<IntercomVersionMiddleware>();
        app.UseAntiforgery();
        app.MapRazorPages();
        app.MapSsoEndpoints();
        app.MapGet("/", () => Results.Redirect("/app/inbox")).AllowAnonymous().ExcludeFromDescription();
        app.MapHealthEndpoints();
        app.MapActivityLogKeys();
        app.MapIntercomApi().AddEndpointFilter<IdempotentRetryFilter>().MapPrivacyApi();
        app.MapMessengerApi();
        app.MapMessengerFrame();
        EndpointDeclarations.EnsureAllDeclared(app);
        return app;
    }

    /// <summary>Creates or upgrades every served cell's schema and opens its master key (failing closed).</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        foreach (var cell in services.GetRequiredService<CellRegistry>().All)
        {
            try
            {
                await PrepareCellAsync(services, cell, cancellationToken);
            }
            // Down, unreachable, full, but also a wrong password, a missing database or a
            // certificate that does not verify: one line naming the provider's error code.
            catch (Exception ex) when (DatabaseFailure.IsUnavailable(ex) || ex is System.Data.Common.DbException)
            {
                throw new DatabaseUnavailableException(cell.Region, DatabaseFailure.ReasonOf(ex), ex);
            }
        }
    }

    public static async Task PrepareCellAsync(IServiceProvider services, CellDatabase cell, CancellationToken cancellationToken)
    {
        await cell.MigrateAsync(cancellationToken);
        await CryptoModule.PrepareCellAsync(services, cell, cancellationToken);
        await AuditModule.PrepareCellAsync(services, cell, cancellationToken);
        await MessagingModule.PrepareCellAsync(services, cell, cancellationToken);
    }
}
