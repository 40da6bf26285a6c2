import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// `spreadsheets.get` and `spreadsheets.batchUpdate`, from the requests in destinations.md §2.2.
@Suite struct SheetsFakeSpreadsheetTests {
    static let fields =
        "spreadsheetId,properties.title,sheets.properties(sheetId,title,index,gridProperties(rowCount,columnCount,frozenRowCount))"

    @Test func getWithFieldsListsSheetsAndSizes() async throws {
        try await withSheetsFake(tabs: ["Sheet1", "TikTok Ads"]) { fake, client, id in
            _ = try await client.batchUpdate(id, #"{"updateSheetProperties":{"properties":{"sheetId":0,"hidden":true},"fields":"hidden"}}"#)
            let reply = try await client.send(.GET, id, query: "fields=" + SheetsTestClient.encode(Self.fields))
            #expect(reply.status == 200)
            #expect(reply.string("spreadsheetId") == id)
            #expect((reply.json["properties"] as? [String: Any])?.keys.sorted() == ["title"])
            let sheets = try #require(reply.json["sheets"] as? [[String: Any]])
            #expect(sheets.count == 2)
            let first = try #require(sheets[0]["properties"] as? [String: Any])
            #expect(Set(first.keys) == ["sheetId", "title", "index", "gridProperties"])
            #expect((first["gridProperties"] as? [String: Any])?["rowCount"] as? Int == 1000)
            #expect((first["gridProperties"] as? [String: Any])?["columnCount"] as? Int == 26)
            // Without `fields`, everything is returned, including `hidden` (omitted when false, as proto3 JSON does).
            let full = try await client.send(.GET, id)
            let all = try #require(full.json["sheets"] as? [[String: Any]])
            #expect((all[0]["properties"] as? [String: Any])?["hidden"] as? Bool == true)
            #expect((all[1]["properties"] as? [String: Any])?["hidden"] == nil)
            #expect(fake.readRequestCount == 2)
            #expect(fake.writeRequestCount == 1)
        }
    }

    @Test func unknownSpreadsheetIs404() async throws {
        try await withSheetsFake { _, client, _ in
            let reply = try await client.send(.GET, "nope")
            #expect(reply.status == 404)
            #expect(reply.errorStatus == "NOT_FOUND")
        }
    }

    @Test func addSheetRepliesWithSheetIdAndRejectsDuplicates() async throws {
        try await withSheetsFake { fake, client, id in
            let add = #"{"addSheet":{"properties":{"title":"TikTok Ads","gridProperties":{"rowCount":1000,"columnCount":26,"frozenRowCount":1}}}}"#
            let reply = try await client.batchUpdate(id, add)
            #expect(reply.status == 200)
            let replies = try #require(reply.json["replies"] as? [[String: Any]])
            let properties = try #require((replies[0]["addSheet"] as? [String: Any])?["properties"] as? [String: Any])
            let sheetId = try #require(properties["sheetId"] as? Int)
            let tab = try #require(fake.properties(of: "TikTok Ads", in: id))
            #expect(tab.sheetId == sheetId)
            #expect(tab.frozenRowCount == 1)
            #expect(tab.index == 1)
            let again = try await client.batchUpdate(id, add)
            #expect(again.status == 400)
            #expect(again.errorStatus == "INVALID_ARGUMENT")
            #expect(again.errorMessage?.contains("already exists") == true)
            let differentCase = try await client.batchUpdate(id, #"{"addSheet":{"properties":{"title":"tiktok ads"}}}"#)
            #expect(differentCase.status == 400)
        }
    }

    @Test func deleteSheetRemovesTabAndReindexes() async throws {
        try await withSheetsFake(tabs: ["Sheet1", "Old", "Keep"]) { fake, client, id in
            let old = try #require(fake.properties(of: "Old", in: id))
            let reply = try await client.batchUpdate(id, #"{"deleteSheet":{"sheetId":\#(old.sheetId)}}"#)
            #expect(reply.status == 200)
            #expect(fake.sheets(in: id).map(\.title) == ["Sheet1", "Keep"])
            #expect(fake.sheets(in: id).map(\.index) == [0, 1])
        }
    }

    @Test func updateSheetPropertiesResizesRenamesAndFreezes() async throws {
        try await withSheetsFake(tabs: ["Sheet1", "Data"]) { fake, client, id in
            let sheetId = try #require(fake.properties(of: "Data", in: id)).sheetId
            fake.setValues([[.string("keep")], [], [.string("dropped")]], tab: "Data", in: id)
            let reply = try await client.batchUpdate(
                id,
                #"{"updateSheetProperties":{"properties":{"sheetId":\#(sheetId),"title":"new","gridProperties":{"rowCount":2,"columnCount":40,"frozenRowCount":1}},"fields":"title,gridProperties(rowCount,columnCount,frozenRowCount)"}}"#
            )
            #expect(reply.status == 200)
            let tab = try #require(fake.properties(of: "new", in: id))
            #expect(tab.rowCount == 2)
            #expect(tab.columnCount == 40)
            #expect(tab.frozenRowCount == 1)
            #expect(fake.values(of: "new", in: id) == [[.string("keep")]])
            // Only the masked fields change.
            let masked = try await client.batchUpdate(
                id, #"{"updateSheetProperties":{"properties":{"sheetId":\#(sheetId),"title":"ignored","hidden":true},"fields":"hidden"}}"#)
            #expect(masked.status == 200)
            #expect(fake.properties(of: "new", in: id)?.hidden == true)
        }
    }

    @Test func updateSheetPropertiesRequiresFields() async throws {
        try await withSheetsFake { _, client, id in
            let reply = try await client.batchUpdate(id, #"{"updateSheetProperties":{"properties":{"sheetId":0,"title":"x"}}}"#)
            #expect(reply.status == 400)
            #expect(reply.errorStatus == "INVALID_ARGUMENT")
        }
    }

    @Test func appendAndInsertDimensionGrowTheGrid() async throws {
        try await withSheetsFake { fake, client, id in
            fake.setValues([[.string("a")], [.string("b")]], tab: "Sheet1", in: id)
            let reply = try await client.batchUpdate(
                id,
                #"""
                {"appendDimension":{"sheetId":0,"dimension":"ROWS","length":500}},
                {"appendDimension":{"sheetId":0,"dimension":"COLUMNS","length":4}},
                {"insertDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":1,"endIndex":3},"inheritFromBefore":true}}
                """#)
            #expect(reply.status == 200)
            #expect((reply.json["replies"] as? [Any])?.count == 3)
            let tab = try #require(fake.properties(of: "Sheet1", in: id))
            #expect(tab.rowCount == 1502)
            #expect(tab.columnCount == 30)
            #expect(fake.values(of: "Sheet1", in: id) == [[.string("a")], [], [], [.string("b")]])
        }
    }

    @Test func deleteDimensionIsHalfOpenAndCannotRemoveEverything() async throws {
        try await withSheetsFake { fake, client, id in
            fake.setValues((1...5).map { [.number(Double($0))] }, tab: "Sheet1", in: id)
            let reply = try await client.batchUpdate(
                id, #"{"deleteDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":1,"endIndex":3}}}"#)
            #expect(reply.status == 200)
            #expect(fake.values(of: "Sheet1", in: id) == [[.number(1)], [.number(4)], [.number(5)]])
            #expect(fake.properties(of: "Sheet1", in: id)?.rowCount == 998)
            let all = try await client.batchUpdate(
                id, #"{"deleteDimension":{"range":{"sheetId":0,"dimension":"COLUMNS","startIndex":0,"endIndex":26}}}"#)
            #expect(all.status == 400)
            #expect(all.errorMessage?.contains("You can't delete all the columns") == true)
            let past = try await client.batchUpdate(
                id, #"{"deleteDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":990,"endIndex":1000}}}"#)
            #expect(past.status == 400)
            #expect(past.errorMessage?.contains("exceeds grid limits") == true)
        }
    }

    @Test func batchUpdateIsAtomic() async throws {
        try await withSheetsFake { fake, client, id in
            fake.setValues([[.string("x")]], tab: "Sheet1", in: id)
            let reply = try await client.batchUpdate(
                id,
                #"""
                {"addSheet":{"properties":{"title":"First"}}},
                {"deleteDimension":{"range":{"sheetId":424242,"dimension":"ROWS","startIndex":0,"endIndex":1}}}
                """#)
            #expect(reply.status == 400)
            #expect(reply.errorMessage?.hasPrefix("Invalid requests[1].deleteDimension") == true)
            #expect(fake.sheets(in: id).map(\.title) == ["Sheet1"])
            let second = try await client.batchUpdate(
                id,
                #"""
                {"deleteDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":0,"endIndex":1}}},
                {"addSheet":{"properties":{"title":"Sheet1"}}}
                """#)
            #expect(second.status == 400)
            #expect(fake.values(of: "Sheet1", in: id) == [[.string("x")]])
            #expect(fake.properties(of: "Sheet1", in: id)?.rowCount == 1000)
        }
    }
}
