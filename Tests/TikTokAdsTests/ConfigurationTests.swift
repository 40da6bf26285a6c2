import Foundation
import SyncKit
import Testing
import TikTokAdsApp

/// The config file in the library: every key known at every level (an unknown one is refused with its path and the
/// closest key), values checked by the same validation as the flags, `${NAME}` substituted after parsing, and the
/// README's configuration reference equal to what is accepted. Serialized: its many small cases, run at once, would
/// crowd the cooperative pool that other suites' timing-bound tests share.
@Suite(.serialized)
struct ConfigurationTests {
    static let now = Date(timeIntervalSince1970: 1_773_576_000)  // 2026-03-15 12:00 UTC

    static func parse(_ yaml: String, environment: [String: String] = [:]) throws -> ToolConfiguration {
        var configuration = try ToolConfiguration.parse(yaml, file: "test.yml", environment: environment)
        configuration.origin = .file("test.yml")
        try configuration.validate(now: now)
        return configuration
    }

    static func badInput(_ yaml: String, environment: [String: String] = [:]) -> String {
        do {
            _ = try parse(yaml, environment: environment)
            return "accepted"
        } catch let error as SyncError {
            return error.kind == .badInput ? error.message : "not bad input: \(error)"
        } catch {
            return "\(error)"
        }
    }

    /// YAML that sets `path` (e.g. `destination.bigquery.dataset`, `objects[].fields`) to `value`.
    static func yaml(setting path: String, to value: String) -> String {
        var parts = path.split(separator: ".").map(String.init)
        let leaf = parts.removeLast()
        var text = "\(leaf): \(value)"
        for part in parts.reversed() {
            if part.hasSuffix("[]") {
                text = "\(part.dropLast(2)): [{\(text)}]"
            } else {
                text = "\(part): {\(text)}"
            }
        }
        return text
    }

    /// Every key the schema knows, misspelt at its own level: refused, naming its full path and the key meant.
    @Test(arguments: ToolConfiguration.acceptedKeyPaths.filter { !$0.hasSuffix(".OBJECT") })
    func aMisspeltKeyIsRefusedWithItsPathAndTheKeyMeant(_ path: String) {
        let leaf = String(path.split(separator: ".").last!)
        let typo = leaf + "x"
        var typoPath = String(path.dropLast(leaf.count)) + typo
        let yaml = Self.yaml(setting: typoPath, to: "1")
        typoPath = typoPath.replacingOccurrences(of: "[]", with: "[0]")
        let message = Self.badInput(yaml)
        #expect(message.contains("unknown key `\(typoPath)`"), "\(yaml): \(message)")
        #expect(message.contains("did you mean `\(leaf)`?"), "\(yaml): \(message)")
    }

    /// Every key the schema knows is accepted where it belongs (whatever its value's fate).
    @Test(arguments: ToolConfiguration.acceptedKeyPaths)
    func everyAcceptedKeyIsKnownWhereItBelongs(_ path: String) {
        let yaml = Self.yaml(setting: path.replacingOccurrences(of: ".OBJECT", with: ".ad_insights"), to: "1")
        let message = Self.badInput(yaml)
        #expect(!message.contains("unknown key"), "\(yaml): \(message)")
    }

    @Test func theClosestKeyIsSuggestedOnlyWhenItIsClose() {
        #expect(ConfigurationSchema.closest(to: "qpss", among: ["qps", "qpm"]) == "qps")
        #expect(ConfigurationSchema.closest(to: "sqlite_path", among: ["sqlite", "schedule"]) == "sqlite")
        #expect(ConfigurationSchema.closest(to: "lookbackDays", among: ["lookback_days", "concurrency"]) == "lookback_days")
        #expect(ConfigurationSchema.closest(to: "colour", among: ["concurrency", "objects", "sqlite"]) == nil)
    }

    /// Flags and config keys go through one validation: the same range, named the way each was written.
    @Test(arguments: [
        ("lookback_days", "-5", "from 0 to 364"), ("concurrency", "0", "from 1 to 64"), ("concurrency", "100000", "from 1 to 64"),
        ("rate_limit.qps", "0", "from 1 to 10000"), ("rate_limit.qpm", "-1", "from 1 to 600000"), ("max_attempts", "0", "from 1 to 100"),
        ("retention_days", "-1", "from 1 to 36500"), ("request_timeout_seconds", "0", "from 1 to 3600"),
        ("request_timeout_seconds", "-1", "from 1 to 3600"),
    ])
    func flagsAndTheFileShareOneRange(key: String, value: String, range: String) throws {
        let fileMessage = Self.badInput(Self.yaml(setting: key, to: value))
        var request = SyncRequest()
        request.now = "2026-03-15T12:00:00Z"
        switch key {
        case "lookback_days": request.lookbackDays = Int(value)
        case "concurrency": request.concurrency = Int(value)
        case "rate_limit.qps": request.qps = Int(value)
        case "rate_limit.qpm": request.qpm = Int(value)
        case "max_attempts": request.maxAttempts = Int(value)
        case "retention_days": request.retentionDays = Int(value)
        default: request.requestTimeout = Double(value)
        }
        let flagError = #expect(throws: SyncError.self) { try request.validateFlags() }
        let flagName = try #require(ToolConfiguration.flagNames[key])
        #expect(fileMessage.contains("`\(key): \(value)` in the config file 'test.yml' is out of range"), "\(fileMessage)")
        #expect(fileMessage.contains(range), "\(fileMessage)")
        #expect(flagError?.message.contains("\(flagName) \(value) is out of range") == true, "\(String(describing: flagError))")
        #expect(flagError?.message.contains(range) == true, "\(String(describing: flagError))")
    }

    @Test func sqliteMustBeAFileInAnExistingDirectory() {
        #expect(Self.badInput("sqlite: \"\"").contains("is empty"))
        #expect(Self.badInput("sqlite: \":memory:\"").contains("is not a file"))
        #expect(Self.badInput("sqlite: /").contains("is a directory"))
        #expect(Self.badInput("sqlite: /nonexistent-\(UUID().uuidString)/x.sqlite").contains("does not exist"))
        var request = SyncRequest()
        for path in ["", ":memory:"] {
            request.sqlite = path
            #expect(throws: SyncError.self) { try request.validateFlags() }
        }
    }

    /// `${NAME}` is replaced in values after parsing: a plain value takes the type of what it became, a quoted one
    /// stays text, and a variable's content can never add or change a key.
    @Test func variablesAreSubstitutedIntoValuesNeverIntoStructure() throws {
        let environment = ["STREAMS": "8", "NUMERIC_TOKEN": "123456789", "INJECTED": "abc\nconcurrency: 64"]
        let parsed = try Self.parse("concurrency: ${STREAMS}\napp_id: \"${NUMERIC_TOKEN}\"\naccess_token: ${NUMERIC_TOKEN}\n",
                                    environment: environment)
        #expect(parsed.concurrency == 8)
        #expect(parsed.appID == "123456789")
        #expect(parsed.accessToken == "123456789")
        let injected = Self.badInput("app_secret: ${INJECTED}\n", environment: environment)
        #expect(injected.contains("`app_secret` in the config file 'test.yml' contains a control character"), "\(injected)")
        #expect(!injected.contains("abc"))
        #expect(Self.badInput("# ${NOT_SET} in a comment is not a value\nconcurrency: 2\n") == "accepted")
        #expect(Self.badInput("concurrency: ${NOT_SET}\n").contains("environment variable NOT_SET is not set"))
    }

    /// A YAML error is reported by line and column, never by quoting the file (which may hold a token).
    @Test func aSyntaxErrorNeverQuotesTheFile() {
        let message = Self.badInput("access_token: \"tok-3fa9c1d7e5\nconcurrency: [4\n")
        #expect(message.contains("is not valid YAML"), "\(message)")
        #expect(message.contains("line"), "\(message)")
        #expect(!message.contains("tok-3fa9c1d7e5"), "\(message)")
    }

    @Test func anEmptyFileIsNoSettingsAndAScalarIsRefused() throws {
        let empty = try Self.parse("# nothing yet\n")
        #expect(empty.concurrency == nil && empty.objects == nil)
        #expect(Self.badInput("just words").contains("must be a mapping of settings"))
    }

    // MARK: The README

    /// The README's configuration reference: (key, type, default, allowed, flag) per row.
    static func referenceRows() throws -> [String: [String]] {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "### Configuration reference").dropFirst().first)
        var rows: [String: [String]] = [:]
        for line in section.split(separator: "\n") {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let key = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            #expect(rows[key] == nil, "\(key) is documented twice")
            rows[key] = cells
        }
        return rows
    }

    /// The README's example config file is accepted as it stands.
    @Test func theREADMEExampleConfigIsValid() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let example = try #require(readme.components(separatedBy: "```yaml\n# tiktok-ads.yml\n").dropFirst().first?
            .components(separatedBy: "```").first)
        let parsed = try Self.parse(example, environment: ["TIKTOK_ACCESS_TOKEN": "readme-token", "TIKTOK_APP_ID": "7123",
                                                            "TIKTOK_APP_SECRET": "readme-secret"])
        #expect(parsed.objects?.map(\.name) == ["advertiser", "campaigns", "ads", "ad_insights"])
        #expect(parsed.rateLimit?.qps == 10 && parsed.sqlite == "tiktok.sqlite")
    }

    @Test func theREADMEReferenceListsExactlyTheKeysTheConfigAccepts() throws {
        let documented = Set(try Self.referenceRows().keys)
        let accepted = Set(ToolConfiguration.acceptedKeyPaths)
        #expect(documented.subtracting(accepted).isEmpty, "documented but not accepted: \(documented.subtracting(accepted).sorted())")
        #expect(accepted.subtracting(documented).isEmpty, "accepted but not documented: \(accepted.subtracting(documented).sorted())")
    }

    @Test func theREADMEReferenceStatesTheEnforcedRangesAndFlags() throws {
        let rows = try Self.referenceRows()
        func text(_ value: Int) -> String { value.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) }
        for (key, range) in SettingLimits.integerRanges {
            let allowed = try #require(rows[key]?[3], "\(key) has no row")
            #expect(allowed.hasPrefix("\(text(range.lowerBound))–\(text(range.upperBound))"), "\(key): \(allowed) vs \(range)")
        }
        let timeout = SettingLimits.requestTimeoutSeconds
        #expect(rows["request_timeout_seconds"]?[3] == "\(text(Int(timeout.lowerBound)))–\(text(Int(timeout.upperBound)))")
        #expect(rows["start_date"]?[3].hasPrefix(SettingLimits.earliestStartDate.description) == true)
        for (key, flag) in ToolConfiguration.flagNames {
            #expect(rows[key]?[4].contains("`\(flag)") == true, "\(key): the flag column should name \(flag)")
        }
    }
}
