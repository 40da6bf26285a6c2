/// The type of a column, as the catalog declares it and every destination maps it.
public enum FieldType: String, Sendable, Codable, CaseIterable {
    /// Text, including every id (ids stay exact strings).
    case string
    /// A 64-bit signed integer (counts).
    case integer
    /// An exact decimal kept as its text (money).
    case decimal
    /// A double (rates, ratios).
    case float
    /// true or false.
    case boolean
    /// A calendar date `YYYY-MM-DD`, in the advertiser's timezone for report rows.
    case date
    /// A date and time `YYYY-MM-DD HH:MM:SS` (UTC for entities, the account's local time for hourly rows).
    case datetime
    /// Arrays and objects, stored as compact JSON text.
    case json
}
