//! The operation table: one row per operation of the Contacts API. The router, the request
//! pipeline, `Prefer: code=`, `check`, `validate` and the OpenAPI document all read it.
//! Adding an operation is one row here, a reader in `input` (and its `Input` variant) where
//! it takes a query or a body, and its handler in `http::handlers`, matched there by id.

use std::sync::LazyLock;

use hyper::Method;

use crate::api::input::{self, BodyReader, QueryReader};
use crate::api::route::RouteId;
use crate::schema::SchemaId;

/// Every operation, named as the SDK and the OpenAPI document name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum OperationId {
    ListContacts,
    CreateContact,
    BulkImport,
    GetContact,
    UpdateContact,
    DeleteContact,
    ListTags,
    CreateTag,
    UpdateTag,
    DeleteTag,
    AttachTag,
    DetachTag,
    ListUnsubscribes,
    Unsubscribe,
    Resubscribe,
    GetCustomFields,
    MergeCustomFields,
    ListLists,
    CreateList,
    GetList,
    UpdateList,
    DeleteList,
    ListMembers,
    AddMember,
    RemoveMember,
    ListSegments,
    CreateSegment,
    GetSegment,
    UpdateSegment,
    DeleteSegment,
}

/// The request body an operation takes.
#[derive(Debug)]
pub(crate) struct BodyRule {
    /// The schema the body is held to.
    pub(crate) schema: SchemaId,
    /// Whether an empty body is refused (`false`: it reads as `{}`).
    pub(crate) required: bool,
    /// Turns the checked body into the handler's input.
    pub(crate) read: BodyReader,
}

/// The query string an operation reads.
#[derive(Debug)]
pub(crate) struct QueryRule {
    /// Each parameter, for the OpenAPI document.
    pub(crate) parameters: &'static [QueryParameter],
    /// Checks the query and turns it into the handler's input.
    pub(crate) read: QueryReader,
}

/// One documented query parameter.
#[derive(Debug)]
pub(crate) struct QueryParameter {
    /// Its name.
    pub(crate) name: &'static str,
    /// What it does.
    pub(crate) description: &'static str,
    /// Whether the operation needs it.
    pub(crate) required: bool,
    /// Its JSON Schema, as JSON text.
    pub(crate) schema: &'static str,
}

/// What the docs promise of a success body, for traffic from elsewhere (D25).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Documented {
    /// This schema, held as documented (a `null` or an extra field is a warning).
    Schema(SchemaId),
    /// A page of contacts, each held to the documented contact.
    ContactPage,
    /// Nothing: the docs show no answer, or the path is the mock's own.
    Nothing,
}

/// A refusal an operation can answer once its request kept the contract (a missing
/// resource, a conflict): documented, and never the client's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The status.
    pub(crate) status: u16,
    /// The problem's `code`.
    pub(crate) code: &'static str,
}

/// One operation of the Contacts API.
#[derive(Debug)]
pub(crate) struct Operation {
    /// Which operation.
    pub(crate) id: OperationId,
    /// The OpenAPI `operationId` (the SDK's method name where it has one).
    pub(crate) name: &'static str,
    /// The method.
    pub(crate) method: Method,
    /// The route.
    pub(crate) route: RouteId,
    /// One line for the OpenAPI document.
    pub(crate) summary: &'static str,
    /// More, where the line is not enough.
    pub(crate) description: Option<&'static str>,
    /// Whether the operation changes data: a read-only key may not call it (D4).
    pub(crate) writes: bool,
    /// The query it reads, if any.
    pub(crate) query: Option<QueryRule>,
    /// The body it takes, if any.
    pub(crate) body: Option<BodyRule>,
    /// Its success statuses.
    pub(crate) success: &'static [u16],
    /// What the mock answers on success.
    pub(crate) answer: SchemaId,
    /// What the docs promise on success.
    pub(crate) documented: Documented,
    /// The refusals of a request that kept the contract.
    pub(crate) refusals: &'static [Refusal],
}

const CONTACT_NOT_FOUND: Refusal = Refusal {
    status: 404,
    code: "contact_not_found",
};
const TAG_NOT_FOUND: Refusal = Refusal {
    status: 404,
    code: "tag_not_found",
};
const EMAIL_TAKEN: Refusal = Refusal {
    status: 409,
    code: "email_taken",
};
const TAG_EXISTS: Refusal = Refusal {
    status: 409,
    code: "tag_exists",
};
const LIST_NOT_FOUND: Refusal = Refusal {
    status: 404,
    code: "list_not_found",
};
const LIST_EXISTS: Refusal = Refusal {
    status: 409,
    code: "list_exists",
};
const SEGMENT_NOT_FOUND: Refusal = Refusal {
    status: 404,
    code: "segment_not_found",
};

const CONTACT_LIST_QUERY: &[QueryParameter] = &[
    QueryParameter {
        name: "page",
        description: "the page, from 1",
        required: false,
        schema: r#"{"type": "integer", "minimum": 1, "default": 1}"#,
    },
    QueryParameter {
        name: "limit",
        description: "contacts per page",
        required: false,
        schema: r#"{"type": "integer", "minimum": 1, "maximum": 200, "default": 50}"#,
    },
    QueryParameter {
        name: "search",
        description: "case-insensitive text in name, email or company",
        required: false,
        schema: r#"{"type": "string"}"#,
    },
    QueryParameter {
        name: "status",
        description: "only this status",
        required: false,
        schema: r#"{"enum": ["new", "active", "inactive", "archived"]}"#,
    },
    QueryParameter {
        name: "tags",
        description: "comma-separated tag names; a contact matches if it has any",
        required: false,
        schema: r#"{"type": "string"}"#,
    },
    QueryParameter {
        name: "segment_id",
        description: "only the members of this segment (D29), as its rules select them now",
        required: false,
        schema: r#"{"type": "string", "format": "uuid"}"#,
    },
];

const MEMBERS_QUERY: &[QueryParameter] = &[
    QueryParameter {
        name: "page",
        description: "the page, from 1",
        required: false,
        schema: r#"{"type": "integer", "minimum": 1, "default": 1}"#,
    },
    QueryParameter {
        name: "limit",
        description: "members per page",
        required: false,
        schema: r#"{"type": "integer", "minimum": 1, "maximum": 200, "default": 100}"#,
    },
];

const MEMBER_QUERY: &[QueryParameter] = &[QueryParameter {
    name: "contact_id",
    description: "the contact to remove from the list",
    required: true,
    schema: r#"{"type": "string", "format": "uuid"}"#,
}];

const CONTACT_TAG_QUERY: &[QueryParameter] = &[
    QueryParameter {
        name: "contact_id",
        description: "the contact",
        required: true,
        schema: r#"{"type": "string", "format": "uuid"}"#,
    },
    QueryParameter {
        name: "tag_id",
        description: "the tag to detach from it",
        required: true,
        schema: r#"{"type": "string", "format": "uuid"}"#,
    },
];

/// The table.
pub(crate) static OPERATIONS: [Operation; 30] = [
    Operation {
        id: OperationId::ListContacts,
        name: "listContacts",
        method: Method::GET,
        route: RouteId::Contacts,
        summary: "List contacts, newest first (D19)",
        description: Some(
            "segment_id keeps the segment's members (D29), combined with the other filters and paging; a segment the project does not have is 404 segment_not_found.",
        ),
        writes: false,
        query: Some(QueryRule {
            parameters: CONTACT_LIST_QUERY,
            read: input::contact_list_query,
        }),
        body: None,
        success: &[200],
        answer: SchemaId::ContactList,
        documented: Documented::ContactPage,
        refusals: &[SEGMENT_NOT_FOUND],
    },
    Operation {
        id: OperationId::CreateContact,
        name: "createContact",
        method: Method::POST,
        route: RouteId::Contacts,
        summary: "Create a contact (D20)",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::ContactCreate,
            required: true,
            read: BodyReader::Value(input::new_contact),
        }),
        success: &[201],
        answer: SchemaId::Contact,
        documented: Documented::Schema(SchemaId::ContactDocumented),
        refusals: &[EMAIL_TAKEN],
    },
    Operation {
        id: OperationId::BulkImport,
        name: "bulkImportContacts",
        method: Method::POST,
        route: RouteId::BulkImport,
        summary: "Import up to 1 000 contacts; bad rows and e-mails in use are skipped with their reasons",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::BulkImport,
            required: true,
            read: BodyReader::Value(input::bulk_import),
        }),
        success: &[200],
        answer: SchemaId::BulkImportResult,
        documented: Documented::Schema(SchemaId::BulkImportResult),
        refusals: &[],
    },
    Operation {
        id: OperationId::GetContact,
        name: "getContact",
        method: Method::GET,
        route: RouteId::Contact,
        summary: "Get a contact",
        description: None,
        writes: false,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::Contact,
        documented: Documented::Schema(SchemaId::ContactDocumented),
        refusals: &[CONTACT_NOT_FOUND],
    },
    Operation {
        id: OperationId::UpdateContact,
        name: "updateContact",
        method: Method::PATCH,
        route: RouteId::Contact,
        summary: "Update a contact: only the fields sent change",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::ContactPatch,
            required: true,
            read: BodyReader::InPlace(input::contact_patch),
        }),
        success: &[200],
        answer: SchemaId::Contact,
        documented: Documented::Schema(SchemaId::ContactDocumented),
        refusals: &[CONTACT_NOT_FOUND, EMAIL_TAKEN],
    },
    Operation {
        id: OperationId::DeleteContact,
        name: "deleteContact",
        method: Method::DELETE,
        route: RouteId::Contact,
        summary: "Delete a contact (D20)",
        description: None,
        writes: true,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::Message,
        documented: Documented::Schema(SchemaId::Message),
        refusals: &[CONTACT_NOT_FOUND],
    },
    Operation {
        id: OperationId::ListTags,
        name: "listTags",
        method: Method::GET,
        route: RouteId::Tags,
        summary: "The project's tags",
        description: None,
        writes: false,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::TagList,
        documented: Documented::Schema(SchemaId::TagList),
        refusals: &[],
    },
    Operation {
        id: OperationId::CreateTag,
        name: "createTag",
        method: Method::POST,
        route: RouteId::Tags,
        summary: "Create a tag",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::TagCreate,
            required: true,
            read: BodyReader::Value(input::new_tag),
        }),
        success: &[201],
        answer: SchemaId::Tag,
        documented: Documented::Schema(SchemaId::Tag),
        refusals: &[TAG_EXISTS],
    },
    Operation {
        id: OperationId::UpdateTag,
        name: "updateTag",
        method: Method::PUT,
        route: RouteId::Tag,
        summary: "Change a tag's name or colour (a partial update)",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::TagUpdate,
            required: true,
            read: BodyReader::Value(input::tag_change),
        }),
        success: &[200],
        answer: SchemaId::Tag,
        documented: Documented::Schema(SchemaId::Tag),
        refusals: &[TAG_NOT_FOUND, TAG_EXISTS],
    },
    Operation {
        id: OperationId::DeleteTag,
        name: "deleteTag",
        method: Method::DELETE,
        route: RouteId::Tag,
        summary: "Delete a tag; it is detached from every contact",
        description: None,
        writes: true,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::Message,
        documented: Documented::Schema(SchemaId::Message),
        refusals: &[TAG_NOT_FOUND],
    },
    Operation {
        id: OperationId::AttachTag,
        name: "addTagToContact",
        method: Method::POST,
        route: RouteId::ContactTags,
        summary: "Attach a tag to a contact: the contact is answered, 201 when the tag was attached, 200 when it already was",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::ContactTag,
            required: true,
            read: BodyReader::Value(input::contact_tag),
        }),
        success: &[200, 201],
        answer: SchemaId::Contact,
        // The docs show no answer of the contact-tags routes.
        documented: Documented::Nothing,
        refusals: &[CONTACT_NOT_FOUND, TAG_NOT_FOUND],
    },
    Operation {
        id: OperationId::DetachTag,
        name: "removeTagFromContact",
        method: Method::DELETE,
        route: RouteId::ContactTags,
        summary: "Detach a tag from a contact; one that was not attached is not an error",
        description: None,
        writes: true,
        query: Some(QueryRule {
            parameters: CONTACT_TAG_QUERY,
            read: input::contact_tag_query,
        }),
        body: None,
        success: &[200],
        answer: SchemaId::Message,
        documented: Documented::Nothing,
        refusals: &[CONTACT_NOT_FOUND, TAG_NOT_FOUND],
    },
    Operation {
        id: OperationId::ListUnsubscribes,
        name: "listUnsubscribes",
        method: Method::GET,
        route: RouteId::Unsubscribes,
        summary: "The contact's unsubscribe records, oldest first (D21)",
        description: None,
        writes: false,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::UnsubscribeList,
        documented: Documented::Schema(SchemaId::UnsubscribeList),
        refusals: &[CONTACT_NOT_FOUND],
    },
    Operation {
        id: OperationId::Unsubscribe,
        name: "unsubscribeContact",
        method: Method::POST,
        route: RouteId::Unsubscribes,
        summary: "Unsubscribe the contact, keeping an audit record (D21)",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::Unsubscribe,
            required: false,
            read: BodyReader::Value(input::unsubscribe),
        }),
        success: &[201],
        answer: SchemaId::UnsubscribeRecord,
        documented: Documented::Schema(SchemaId::UnsubscribeRecord),
        refusals: &[CONTACT_NOT_FOUND],
    },
    Operation {
        id: OperationId::Resubscribe,
        name: "resubscribeContact",
        method: Method::DELETE,
        route: RouteId::Unsubscribes,
        summary: "Resubscribe: every record removed (D21)",
        description: None,
        writes: true,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::Message,
        documented: Documented::Schema(SchemaId::Message),
        refusals: &[CONTACT_NOT_FOUND],
    },
    Operation {
        id: OperationId::GetCustomFields,
        name: "getCustomFields",
        method: Method::GET,
        route: RouteId::CustomFields,
        summary: "The contact's custom fields (D18; the path is the mock's choice)",
        description: None,
        writes: false,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::CustomFields,
        // The path is the mock's own (D18): the docs promise nothing of it.
        documented: Documented::Nothing,
        refusals: &[CONTACT_NOT_FOUND],
    },
    Operation {
        id: OperationId::MergeCustomFields,
        name: "mergeCustomFields",
        method: Method::PATCH,
        route: RouteId::CustomFields,
        summary: "RFC 7396 merge patch of the custom fields: null deletes a key (D18)",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::CustomFields,
            required: true,
            read: BodyReader::Value(input::custom_fields),
        }),
        success: &[200],
        answer: SchemaId::CustomFields,
        documented: Documented::Nothing,
        refusals: &[CONTACT_NOT_FOUND],
    },
    Operation {
        id: OperationId::ListLists,
        name: "listContactLists",
        method: Method::GET,
        route: RouteId::Lists,
        summary: "The project's contact lists, oldest first (D28)",
        description: None,
        writes: false,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::Lists,
        // The docs show the list's fields but not member_count or updated_at (D28).
        documented: Documented::Nothing,
        refusals: &[],
    },
    Operation {
        id: OperationId::CreateList,
        name: "createContactList",
        method: Method::POST,
        route: RouteId::Lists,
        summary: "Create a contact list; its name must be new in the project (D28)",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::ListCreate,
            required: true,
            read: BodyReader::Value(input::new_list),
        }),
        success: &[201],
        answer: SchemaId::List,
        documented: Documented::Nothing,
        refusals: &[LIST_EXISTS],
    },
    Operation {
        id: OperationId::GetList,
        name: "getContactList",
        method: Method::GET,
        route: RouteId::List,
        summary: "Get a contact list",
        description: None,
        writes: false,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::List,
        documented: Documented::Nothing,
        refusals: &[LIST_NOT_FOUND],
    },
    Operation {
        id: OperationId::UpdateList,
        name: "updateContactList",
        method: Method::PATCH,
        route: RouteId::List,
        summary: "Rename a contact list or change its description: only the fields sent change",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::ListUpdate,
            required: true,
            read: BodyReader::Value(input::list_change),
        }),
        success: &[200],
        answer: SchemaId::List,
        documented: Documented::Nothing,
        refusals: &[LIST_NOT_FOUND, LIST_EXISTS],
    },
    Operation {
        id: OperationId::DeleteList,
        name: "deleteContactList",
        method: Method::DELETE,
        route: RouteId::List,
        summary: "Delete a contact list; its contacts stay",
        description: None,
        writes: true,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::Message,
        // The docs show no answer of it (D28, D29).
        documented: Documented::Nothing,
        refusals: &[LIST_NOT_FOUND],
    },
    Operation {
        id: OperationId::ListMembers,
        name: "getListMembers",
        method: Method::GET,
        route: RouteId::ListMembers,
        summary: "A page of a list's members, oldest first, each with its contact (D28)",
        description: None,
        writes: false,
        query: Some(QueryRule {
            parameters: MEMBERS_QUERY,
            read: input::members_query,
        }),
        body: None,
        success: &[200],
        answer: SchemaId::ListMembers,
        documented: Documented::Nothing,
        refusals: &[LIST_NOT_FOUND],
    },
    Operation {
        id: OperationId::AddMember,
        name: "addListMember",
        method: Method::POST,
        route: RouteId::ListMembers,
        summary: "Add a contact to a list: the member is answered, 201 when it was added, 200 when it already was one",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::ListMemberAdd,
            required: true,
            read: BodyReader::Value(input::new_member),
        }),
        success: &[200, 201],
        answer: SchemaId::ListMember,
        documented: Documented::Nothing,
        refusals: &[LIST_NOT_FOUND, CONTACT_NOT_FOUND],
    },
    Operation {
        id: OperationId::RemoveMember,
        name: "removeListMember",
        method: Method::DELETE,
        route: RouteId::ListMembers,
        summary: "Remove a contact from a list; one that was not a member is not an error",
        description: None,
        writes: true,
        query: Some(QueryRule {
            parameters: MEMBER_QUERY,
            read: input::member_query,
        }),
        body: None,
        success: &[200],
        answer: SchemaId::Message,
        documented: Documented::Nothing,
        refusals: &[LIST_NOT_FOUND, CONTACT_NOT_FOUND],
    },
    Operation {
        id: OperationId::ListSegments,
        name: "listSegments",
        method: Method::GET,
        route: RouteId::Segments,
        summary: "The project's segments, oldest first, each with its contact_count now (D29)",
        description: None,
        writes: false,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::Segments,
        // The docs' segment is cut after its rules (D29).
        documented: Documented::Nothing,
        refusals: &[],
    },
    Operation {
        id: OperationId::CreateSegment,
        name: "createSegment",
        method: Method::POST,
        route: RouteId::Segments,
        summary: "Create a segment: contacts meeting every rule are its members, worked out on each read",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::SegmentCreate,
            required: true,
            read: BodyReader::Value(input::new_segment),
        }),
        success: &[201],
        answer: SchemaId::Segment,
        documented: Documented::Nothing,
        refusals: &[],
    },
    Operation {
        id: OperationId::GetSegment,
        name: "getSegment",
        method: Method::GET,
        route: RouteId::Segment,
        summary: "Get a segment, with its contact_count now",
        description: None,
        writes: false,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::Segment,
        documented: Documented::Nothing,
        refusals: &[SEGMENT_NOT_FOUND],
    },
    Operation {
        id: OperationId::UpdateSegment,
        name: "updateSegment",
        method: Method::PATCH,
        route: RouteId::Segment,
        summary: "Change a segment: only the fields sent change; rules sent replace every rule",
        description: None,
        writes: true,
        query: None,
        body: Some(BodyRule {
            schema: SchemaId::SegmentUpdate,
            required: true,
            read: BodyReader::Value(input::segment_change),
        }),
        success: &[200],
        answer: SchemaId::Segment,
        documented: Documented::Nothing,
        refusals: &[SEGMENT_NOT_FOUND],
    },
    Operation {
        id: OperationId::DeleteSegment,
        name: "deleteSegment",
        method: Method::DELETE,
        route: RouteId::Segment,
        summary: "Delete a segment; its contacts stay",
        description: None,
        writes: true,
        query: None,
        body: None,
        success: &[200],
        answer: SchemaId::Message,
        // The docs show no answer of it (D28, D29).
        documented: Documented::Nothing,
        refusals: &[SEGMENT_NOT_FOUND],
    },
];

/// The operation `method` performs on `route`, if the contract documents one.
pub(crate) fn find(route: RouteId, method: &Method) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|operation| operation.route == route && operation.method == *method)
}

/// The operations of `route`, in table order.
pub(crate) fn of_route(route: RouteId) -> impl Iterator<Item = &'static Operation> {
    OPERATIONS
        .iter()
        .filter(move |operation| operation.route == route)
}

/// The `Allow` header of each route (405, preflight): its methods and `OPTIONS`.
static ALLOW: LazyLock<Vec<String>> = LazyLock::new(|| {
    RouteId::ALL
        .iter()
        .map(|route| {
            let mut methods: Vec<&str> = of_route(*route).map(|op| op.method.as_str()).collect();
            methods.push("OPTIONS");
            methods.join(", ")
        })
        .collect()
});

impl RouteId {
    /// The methods the route allows, as the `Allow` header lists them.
    pub(crate) fn allow(self) -> &'static str {
        let index = RouteId::ALL
            .iter()
            .position(|route| *route == self)
            .expect("every route is in RouteId::ALL");
        &ALLOW[index]
    }
}

impl Operation {
    /// Every outcome the operation can answer: `(status, code)`, success first with the
    /// code `ok`. What the pipeline can refuse follows from the row: every operation needs
    /// a key and a project; a write, a key that may write; a path parameter, a UUID; a
    /// query, valid parameters; a body, its size, type, JSON and schema; then the row's own
    /// refusals.
    pub(crate) fn outcomes(&self) -> Vec<(u16, &'static str)> {
        let mut outcomes: Vec<(u16, &'static str)> =
            self.success.iter().map(|status| (*status, "ok")).collect();
        outcomes.extend([
            (401, "missing_api_key"),
            (401, "invalid_authorization"),
            (401, "invalid_api_key"),
            (400, "project_required"),
            (403, "unknown_project"),
            (403, "project_mismatch"),
            (400, "invalid_prefer"),
        ]);
        if self.writes {
            outcomes.push((403, "insufficient_permissions"));
        }
        if let Some(parameter) = self.route.parameter() {
            outcomes.push((400, parameter.invalid_code));
        }
        // A query where the operation reads none is refused too.
        outcomes.push((400, "invalid_query"));
        if let Some(body) = &self.body {
            outcomes.extend([
                (413, "body_too_large"),
                (400, "body_unreadable"),
                (400, "malformed_json"),
                (400, "body_too_deep"),
                (415, "unsupported_media_type"),
                (422, "validation_failed"),
            ]);
            if body.required {
                outcomes.push((400, "empty_body"));
            }
        }
        outcomes.extend(
            self.refusals
                .iter()
                .map(|refusal| (refusal.status, refusal.code)),
        );
        outcomes
    }

    /// The statuses the operation documents, ascending: the ones `Prefer: code=` may ask
    /// for (D15), and the ones `check` accepts from the mock.
    pub(crate) fn statuses(&self) -> &'static [u16] {
        let index = OPERATIONS
            .iter()
            .position(|operation| operation.id == self.id)
            .expect("every operation is a row of OPERATIONS");
        &STATUSES[index]
    }
}

/// The statuses of each operation, in table order.
static STATUSES: LazyLock<Vec<Vec<u16>>> = LazyLock::new(|| {
    OPERATIONS
        .iter()
        .map(|operation| {
            let mut statuses: Vec<u16> = operation
                .outcomes()
                .into_iter()
                .map(|(status, _)| status)
                .collect();
            statuses.sort_unstable();
            statuses.dedup();
            statuses
        })
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_is_one_row_and_each_method_of_a_route_one_operation() {
        for (at, operation) in OPERATIONS.iter().enumerate() {
            let same = OPERATIONS[..at]
                .iter()
                .any(|other| other.id == operation.id || other.name == operation.name);
            assert!(!same, "{:?} twice", operation.id);
            assert_eq!(
                find(operation.route, &operation.method).map(|op| op.id),
                Some(operation.id)
            );
        }
    }

    #[test]
    fn the_documented_statuses_follow_from_the_rows() {
        let statuses = |route, method| find(route, &method).unwrap().statuses().to_vec();
        assert_eq!(
            statuses(RouteId::Contact, Method::PATCH),
            [200, 400, 401, 403, 404, 409, 413, 415, 422]
        );
        assert_eq!(
            statuses(RouteId::Contact, Method::GET),
            [200, 400, 401, 403, 404]
        );
        assert_eq!(
            statuses(RouteId::Contacts, Method::GET),
            [200, 400, 401, 403, 404]
        );
        assert_eq!(
            statuses(RouteId::ListMembers, Method::POST),
            [200, 201, 400, 401, 403, 404, 413, 415, 422]
        );
        assert_eq!(
            statuses(RouteId::Segments, Method::GET),
            [200, 400, 401, 403]
        );
        assert_eq!(
            statuses(RouteId::Contacts, Method::POST),
            [201, 400, 401, 403, 409, 413, 415, 422]
        );
        assert_eq!(statuses(RouteId::Tags, Method::GET), [200, 400, 401, 403]);
        assert_eq!(
            statuses(RouteId::ContactTags, Method::POST),
            [200, 201, 400, 401, 403, 404, 413, 415, 422]
        );
        assert_eq!(
            statuses(RouteId::ContactTags, Method::DELETE),
            [200, 400, 401, 403, 404]
        );
        assert_eq!(
            statuses(RouteId::BulkImport, Method::POST),
            [200, 400, 401, 403, 413, 415, 422]
        );
    }

    #[test]
    fn a_route_allows_the_methods_of_its_rows() {
        assert_eq!(RouteId::Contact.allow(), "GET, PATCH, DELETE, OPTIONS");
        assert_eq!(RouteId::Unsubscribes.allow(), "GET, POST, DELETE, OPTIONS");
        assert_eq!(RouteId::Tag.allow(), "PUT, DELETE, OPTIONS");
        assert_eq!(RouteId::BulkImport.allow(), "POST, OPTIONS");
        assert_eq!(RouteId::ListMembers.allow(), "GET, POST, DELETE, OPTIONS");
        assert_eq!(RouteId::Segment.allow(), "GET, PATCH, DELETE, OPTIONS");
    }
}
