using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Confide.Crypto;

/// <summary>
/// A logged-in PKCS#11 token. A module is initialised once per process and a login belongs to
/// the whole process (logging out ends it for every session), so all providers of this process
/// that name the same module and token share one instance: <see cref="Acquire"/> leases it and
/// the last <see cref="Dispose"/> logs out and finalises the module.
/// Operations rent a session from a pool (one session is never used by two threads); one more
/// session stays open for the lease's lifetime because closing a token's last session logs out.
/// </summary>
internal sealed class Pkcs11Token : IDisposable
{
    private static readonly Lock Registry = new();
    private static readonly Dictionary<string, (IPkcs11Library Library, int Leases)> Libraries = new(StringComparer.Ordinal);
    private static readonly Dictionary<(string Library, string Label), Pkcs11Token> Tokens = [];
    private static bool _resolverSet;

    private readonly ConcurrentBag<ISession> _idle = [];
    private readonly ReaderWriterLockSlim _changes = new();
    private readonly string _libraryPath;
    private readonly ISlot _slot;
    private readonly ISession _login;
    private readonly byte[] _pinHash;
    private int _leases = 1;

    private Pkcs11Token(string libraryPath, string label, ISlot slot, ISession login, byte[] pinHash)
    {
        _libraryPath = libraryPath;
        Label = label;
        _slot = slot;
        _login = login;
        _pinHash = pinHash;
    }

    public string Label { get; }

    /// <summary>Loads the module, finds the token by label and logs in as user, or leases the instance already open.</summary>
    /// <param name="owner">What the key protects, for error messages (e.g. <c>Region 'eu'</c>). The PIN is never in a message.</param>
    public static Pkcs11Token Acquire(string owner, string libraryPath, string label, string pin)
    {
        var pinHash = SHA256.HashData(Encoding.UTF8.GetBytes(pin));
        lock (Registry)
        {
            if (Tokens.TryGetValue((libraryPath, label), out var open))
            {
                // Already logged in by another provider: C_Login would not check the PIN again.
                if (!CryptographicOperations.FixedTimeEquals(open._pinHash, pinHash))
                {
                    throw new MasterKeyUnavailableException($"{owner}: the PIN given for PKCS#11 token '{label}' is not the one this process logged in with; refused.");
                }

                open._leases++;
                return open;
            }

            var library = LeaseLibrary(owner, libraryPath);
            try
            {
                var slot = FindSlot(library, label) ?? throw new MasterKeyUnavailableException(
                    $"{owner}: no PKCS#11 token labelled '{label}' in {libraryPath}. Initialise it (see docs/encryption.md) or correct TokenLabel.");
                var login = Login(owner, slot, label, pin);
                var token = new Pkcs11Token(libraryPath, label, slot, login, pinHash);
                Tokens.Add((libraryPath, label), token);
                return token;
            }
            catch
            {
                ReleaseLibrary(libraryPath);
                throw;
            }
        }
    }

    /// <summary>Runs <paramref name="operation"/> on a session of its own; a session that saw an error is closed, not reused.</summary>
    public T Run<T>(Func<ISession, T> operation) => Run(operation, exclusive: false);

    /// <summary>
    /// Runs an operation that creates or destroys token objects while no other operation of this
    /// process runs: SoftHSM2 can fail a C_GenerateKey (CKR_GENERAL_ERROR) that races with
    /// operations on other sessions. Rotations are rare, so the pause costs nothing.
    /// </summary>
    public T RunExclusive<T>(Func<ISession, T> operation) => Run(operation, exclusive: true);

    private T Run<T>(Func<ISession, T> operation, bool exclusive)
    {
        if (exclusive)
        {
            _changes.EnterWriteLock();
        }
        else
        {
            _changes.EnterReadLock();
        }

        try
        {
            var session = _idle.TryTake(out var idle) ? idle : _slot.OpenSession(SessionType.ReadWrite);
            T result;
            try
            {
                result = operation(session);
            }
            catch
            {
                session.Dispose();
                throw;
            }

            _idle.Add(session);
            return result;
        }
        finally
        {
            if (exclusive)
            {
                _changes.ExitWriteLock();
            }
            else
            {
                _changes.ExitReadLock();
            }
        }
    }

    /// <summary>Ends one lease (every <see cref="Acquire"/> is matched by one call).</summary>
    public void Dispose()
    {
        lock (Registry)
        {
            if (--_leases > 0)
            {
                return;
            }

            Tokens.Remove((_libraryPath, Label));
            while (_idle.TryTake(out var session))
            {
                session.Dispose();
            }

            try
            {
                _login.Logout();
            }
            catch (Pkcs11Exception)
            {
                // Already logged out (token removed or reset): nothing left to end.
            }

            _login.Dispose();
            _changes.Dispose();
            ReleaseLibrary(_libraryPath);
        }
    }

    private static ISession Login(string owner, ISlot slot, string label, string pin)
    {
        var session = slot.OpenSession(SessionType.ReadWrite);
        try
        {
            session.Login(CKU.CKU_USER, pin);
            return session;
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            return session;
        }
        catch (Pkcs11Exception ex)
        {
            session.Dispose();
            var what = ex.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE or CKR.CKR_PIN_LOCKED or CKR.CKR_PIN_EXPIRED
                ? "rejected the PIN"
                : "refused the login";
            throw new MasterKeyUnavailableException($"{owner}: PKCS#11 token '{label}' {what} ({ex.RV}).");
        }
    }

    private static ISlot? FindSlot(IPkcs11Library library, string label)
    {
        foreach (var slot in library.GetSlotList(SlotsType.WithTokenPresent))
        {
            var info = slot.GetTokenInfo();
            if (info.TokenFlags.TokenInitialized && string.Equals(info.Label.TrimEnd(), label, StringComparison.Ordinal))
            {
                return slot;
            }
        }

        return null;
    }

    private static IPkcs11Library LeaseLibrary(string owner, string libraryPath)
    {
        if (Libraries.TryGetValue(libraryPath, out var loaded))
        {
            Libraries[libraryPath] = (loaded.Library, loaded.Leases + 1);
            return loaded.Library;
        }

        SetDlResolver();
        var factories = new Pkcs11InteropFactories();
        IPkcs11Library library;
        try
        {
            library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, libraryPath, AppType.MultiThreaded);
        }
        catch (Exception ex) when (ex is UnmanagedException or Pkcs11Exception or DllNotFoundException or EntryPointNotFoundException)
        {
            throw new MasterKeyUnavailableException($"{owner}: the PKCS#11 library {libraryPath} could not be loaded ({ex.Message}).");
        }

        Libraries[libraryPath] = (library, 1);
        return library;
    }

    private static void ReleaseLibrary(string libraryPath)
    {
        var (library, leases) = Libraries[libraryPath];
        if (leases > 1)
        {
            Libraries[libraryPath] = (library, leases - 1);
            return;
        }

        Libraries.Remove(libraryPath);
        library.Dispose();
    }

    /// <summary>Pkcs11Interop loads modules through <c>libdl</c>, which some distributions (Debian 12) ship only as <c>libdl.so.2</c>.</summary>
    private static void SetDlResolver()
    {
        if (_resolverSet)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, (name, _, _) =>
            name == "libdl" && OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libdl.so.2", out var handle) ? handle : IntPtr.Zero);
        _resolverSet = true;
    }
}
