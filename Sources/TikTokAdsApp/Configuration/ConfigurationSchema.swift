import Foundation
import SyncKit
import TikTokAds

/// The keys the config file accepts at each level, taken from the `CodingKeys` of the type that decodes that level,
/// so the unknown-key check, the decoder and the README's configuration reference cannot disagree about a level's
/// keys. Only the nesting (which key holds a section) is declared here, next to the types that decode it.
public struct ConfigurationSchema: Sendable {
    /// What a key holds besides a plain value (a scalar, or a list of scalars).
    public indirect enum Child: Sendable {
        /// A mapping with its own keys, e.g. `rate_limit`.
        case section(ConfigurationSchema)
        /// A list whose items are a scalar or a mapping with these keys, e.g. `objects`.
        case listOf(ConfigurationSchema)
        /// A mapping keyed by object names from the catalog, e.g. `retention_days_by_object`.
        case byObject
        /// A mapping keyed by free names whose values have these keys, e.g. the simulator's `rate_limit.endpoints`.
        case byName(ConfigurationSchema)
    }

    /// The keys of this level, in the order their type declares them.
    public let keys: [String]
    public let children: [String: Child]

    public init<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type, children: [String: Child] = [:]) {
        self.keys = Keys.allCases.map(\.stringValue)
        self.children = children
    }

    /// Every key path the file accepts: `rate_limit.qps`, `objects[].fields`, `retention_days_by_object.OBJECT`;
    /// a section contributes its keys, not itself.
    public var keyPaths: [String] {
        keys.flatMap { key -> [String] in
            switch children[key] {
            case nil: [key]
            case .section(let section): section.keyPaths.map { "\(key).\($0)" }
            case .listOf(let item): [key] + item.keyPaths.map { "\(key)[].\($0)" }
            case .byObject: ["\(key).OBJECT"]
            case .byName(let item): item.keyPaths.map { "\(key).NAME.\($0)" }
            }
        }
    }

    /// The closest key to `typo` (edit distance, or one containing the other), if one is close enough to be what
    /// was meant.
    public static func closest(to typo: String, among candidates: [String]) -> String? {
        let lowered = typo.lowercased()
        // Scored by the distance, a containment counting as 1; ties go to the key with the smaller real distance.
        let scored = candidates.map { candidate -> (key: String, score: Int, distance: Int) in
            let distance = editDistance(lowered, candidate.lowercased())
            let shorter = min(candidate.count, lowered.count)
            let contained = shorter >= 3 && (lowered.contains(candidate) || candidate.contains(lowered))
            return (candidate, contained ? min(distance, 1) : distance, distance)
        }
        guard let best = scored.min(by: { ($0.score, $0.distance) < ($1.score, $1.distance) }) else { return nil }
        return best.score <= max(2, min(typo.count, best.key.count) / 3) ? best.key : nil
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

extension ToolConfiguration {
    /// The config file's keys, level by level.
    public static let schema = ConfigurationSchema(CodingKeys.self, children: [
        "objects": .listOf(ConfigurationSchema(ObjectEntry.CodingKeys.self)),
        "rate_limit": .section(ConfigurationSchema(RateLimitEntry.CodingKeys.self)),
        "retention_days_by_object": .byObject,
        "destination": .section(ConfigurationSchema(DestinationChoice.Entry.CodingKeys.self, children: [
            "bigquery": .section(ConfigurationSchema(DestinationChoice.BigQueryEntry.CodingKeys.self)),
            "sheets": .section(ConfigurationSchema(DestinationChoice.SheetsEntry.CodingKeys.self)),
            "files": .section(ConfigurationSchema(DestinationChoice.FilesEntry.CodingKeys.self)),
            "postgres": .section(ConfigurationSchema(DestinationChoice.PostgresEntry.CodingKeys.self)),
        ])),
        "schedule": .section(ConfigurationSchema(ScheduleEntry.CodingKeys.self)),
    ])

    /// Every key path the config file accepts (the README's configuration reference lists exactly these).
    public static var acceptedKeyPaths: [String] { schema.keyPaths }
}
