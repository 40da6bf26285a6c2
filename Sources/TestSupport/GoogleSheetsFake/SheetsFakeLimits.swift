/// The documented limits the fake enforces (Google's values by default).
package struct SheetsFakeLimits: Sendable, Hashable {
    /// Cells per spreadsheet, counted over all tabs' grid sizes.
    package var maxCellsPerSpreadsheet = 10_000_000
    /// Characters of text in one cell.
    package var maxCharactersPerCell = 50_000
    /// Bytes in one request body ("Request payload size exceeds the limit: 10485760 bytes.").
    package var maxRequestBodyBytes = 10_485_760
    /// The HTTP status of an oversized body: 400 INVALID_ARGUMENT as Google's front end answers, or 413.
    package var oversizedBodyStatus = 400

    package init() {}
}
