using Roadrunner.Cli;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Cli;

/// <summary><c>roadrunner validate</c>: every error points at its line and names the key as the manifest spells it.</summary>
public class ManifestValidationTests : FolderTest
{
    [SetUp]
    public void CopyGuest()
    {
        Directory.CreateDirectory(Folder);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "guests", "manifests", "printer.wat"), Path.Combine(Folder, "printer.wat"));
    }

    [TestCase("[[functions]]\nname = \"ok\"\npath = \"printer.wat\"\n\n[[functions]]\nname = \"Bad_Name\"\npath = \"printer.wat\"\n",
        "m.toml:6: functions[1].name: 'Bad_Name' has 'B'", TestName = "A bad name")]
    [TestCase("[[functions]]\nname = \"a\"\npath = \"missing.wasm\"\n",
        "m.toml:3: functions[0].path: 'missing.wasm' does not exist", TestName = "A missing file")]
    [TestCase("[[functions]]\nname = \"a\"\npath = \"printer.wat\"\n\n[routes]\nall = [\"a\", \"ghost\"]\n",
        "m.toml:6: routes.all: 'ghost' is not a function", TestName = "A route to an unknown function")]
    [TestCase("# sizes\n[host.regions]\nsize_classes = [65536, 1000]\n",
        "m.toml:3: host.regions.size_classes: Size class 1000 must be a positive multiple of 4096", TestName = "A bad size class")]
    [TestCase("[[functions]]\nname = \"a\"\npath = \n",
        "m.toml:3: ", TestName = "A TOML syntax error")]
    [TestCase("[[functions]]\nname = \"a\"\npath = \"printer.wat\"\npth = \"x\"\n",
        "m.toml:4: functions[0].pth: unknown key", TestName = "An unknown key")]
    [TestCase("[network]\nlisten = \"127.0.0.1:0\"\npre_shared_key = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"\nconnect_timeout = \"2s\"\n",
        "m.toml:4: network.connect_timeout: unknown key", TestName = "A key at the wrong level")]
    [TestCase("[host.regions]\ndirectory = \"regions\"\n",
        "m.toml:2: host.regions.directory: renamed: the key is now 'folder_path'", TestName = "A renamed key names the new one")]
    [TestCase("[host]\nenable_wasi = \"maybe\"\n",
        "m.toml:2: host.enable_wasi: Failed to convert configuration value 'maybe'", TestName = "A value of the wrong type")]
    [TestCase("[[functions]]\nname = \"a\"\npath = \"printer.wat\"\n\n[shared_memory]\n",
        "m.toml:5: shared_memory: an empty table sets nothing", TestName = "An empty table")]
    [TestCase("[[functions]]\nname = \"a\"\n",
        "m.toml:1: functions[0].path: a module file (.wasm or .wat) is required", TestName = "A missing key points at its table")]
    public void AnErrorPointsAtItsLine(string toml, string expected)
    {
        (int exitCode, string[] errors) = Validate(toml);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(errors, Has.Length.EqualTo(1).And.One.StartsWith(expected));
    }

    [Test]
    public void EveryErrorIsReportedInLineOrder()
    {
        (int exitCode, string[] errors) = Validate("""
            [host.regions]
            size_classes = [1000]

            [[functions]]
            name = "Bad_Name"
            path = "missing.wasm"
            pth = "x"

            [routes]
            all = ["ghost"]
            """);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(errors.Select(e => e[..e.IndexOf(": ", StringComparison.Ordinal)]), Is.EqualTo(new[]
        {
            "m.toml:2", "m.toml:5", "m.toml:6", "m.toml:7", "m.toml:10",
        }));
    }

    [Test]
    public void AValidManifestExitsWithZero()
    {
        (int exitCode, string[] errors) = Validate("[[functions]]\nname = \"consumer\"\npath = \"printer.wat\"\n\n[shared_memory]\nenabled = true\n");

        Assert.That(errors, Is.Empty);
        Assert.That(exitCode, Is.Zero);
    }

    private (int ExitCode, string[] Errors) Validate(string toml)
    {
        string path = Path.Combine(Folder, "m.toml");
        File.WriteAllText(path, toml);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = ValidateCommand.Run(new FileInfo(path), output, error);
        // errors name the file as given: the full path here, shortened for reading
        return (exitCode, [.. error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(e => e.Replace(Folder + "/", "", StringComparison.Ordinal))]);
    }
}
