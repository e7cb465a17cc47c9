//! One function per operation of the table: each gets its request already judged and read
//! (`crate::contract::judge`), acts on the store, and answers.

use hyper::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api::input::{
    BulkRow, ContactTag, Input, ListChange, NewContact, NewList, NewSegment, NewTag, TagChange,
    UnsubscribeRequest,
};
use crate::api::query::Page;
use crate::api::{ApiError, OperationId};
use crate::clock::Timestamp;
use crate::contract::judge::Accepted;
use crate::http::reply::{JSON, Reply};
use crate::http::workspace::WorkspaceState;
use crate::journal::changes;
use crate::json;
use crate::schema::Violation;
use crate::store::contact::{ContactView, Written};
use crate::store::list::Member;
use crate::store::patch::ContactPatch;
use crate::store::segment::Segment;
use crate::store::tag::Tag;
use crate::store::{ContactQuery, SegmentChange, Store, StoreError};

/// Acts on `accepted`, a request that arrived at `now`: the answer of its operation's
/// handler, or its refusal (a missing contact, a conflict), with what the judge found on
/// the exchange either way.
pub(crate) fn act(workspace: &WorkspaceState, accepted: Accepted, now: Timestamp) -> Reply {
    let Accepted {
        operation,
        project,
        id,
        input,
        findings,
        prefer: _,
    } = accepted;
    let on = Call {
        workspace,
        project,
        now,
    };
    let mut reply = on
        .operation(operation.id, id, input)
        .unwrap_or_else(Reply::refusal);
    reply.violations.extend(findings.violations);
    reply.warnings = findings.warnings;
    reply
}

/// One call of a handler: the workspace and the project the key opened, and the instant
/// the request arrived, which any change it makes is stamped with.
struct Call<'a> {
    workspace: &'a WorkspaceState,
    project: Uuid,
    now: Timestamp,
}

impl Call<'_> {
    /// The handler of `operation`, given its path id and input.
    fn operation(
        &self,
        operation: OperationId,
        id: Option<Uuid>,
        input: Input,
    ) -> Result<Reply, ApiError> {
        let id = || {
            id.ok_or_else(|| ApiError::Internal {
                message: format!("{operation:?} has no path id"),
            })
        };
        match (operation, input) {
            (OperationId::ListContacts, Input::ContactQuery(query)) => self.list_contacts(&query),
            (OperationId::CreateContact, Input::NewContact(contact)) => {
                self.create_contact(contact)
            }
            (OperationId::BulkImport, Input::BulkImport(rows)) => self.bulk_import(rows),
            (OperationId::GetContact, Input::None) => self.get_contact(id()?),
            (OperationId::UpdateContact, Input::ContactPatch(patch)) => {
                self.update_contact(id()?, patch)
            }
            (OperationId::DeleteContact, Input::None) => self.delete_contact(id()?),
            (OperationId::ListTags, Input::None) => Ok(self.list_tags()),
            (OperationId::CreateTag, Input::NewTag(tag)) => self.create_tag(tag),
            (OperationId::UpdateTag, Input::TagChange(change)) => self.update_tag(id()?, change),
            (OperationId::DeleteTag, Input::None) => self.delete_tag(id()?),
            (OperationId::AttachTag, Input::ContactTag(pair)) => self.attach_tag(pair),
            (OperationId::DetachTag, Input::ContactTagQuery(pair)) => self.detach_tag(pair),
            (OperationId::ListUnsubscribes, Input::None) => self.list_unsubscribes(id()?),
            (OperationId::Unsubscribe, Input::Unsubscribe(request)) => {
                self.unsubscribe(id()?, request)
            }
            (OperationId::Resubscribe, Input::None) => self.resubscribe(id()?),
            (OperationId::GetCustomFields, Input::None) => self.get_custom_fields(id()?),
            (OperationId::MergeCustomFields, Input::CustomFields(patch)) => {
                self.merge_custom_fields(id()?, patch)
            }
            (OperationId::ListLists, Input::None) => Ok(self.list_lists()),
            (OperationId::CreateList, Input::NewList(list)) => self.create_list(list),
            (OperationId::GetList, Input::None) => self.get_list(id()?),
            (OperationId::UpdateList, Input::ListChange(change)) => self.update_list(id()?, change),
            (OperationId::DeleteList, Input::None) => self.delete_list(id()?),
            (OperationId::ListMembers, Input::Page(page)) => self.list_members(id()?, page),
            (OperationId::AddMember, Input::Member(contact)) => self.add_member(id()?, contact),
            (OperationId::RemoveMember, Input::Member(contact)) => {
                self.remove_member(id()?, contact)
            }
            (OperationId::ListSegments, Input::None) => Ok(self.list_segments()),
            (OperationId::CreateSegment, Input::NewSegment(segment)) => {
                Ok(self.create_segment(segment))
            }
            (OperationId::GetSegment, Input::None) => self.get_segment(id()?),
            (OperationId::UpdateSegment, Input::SegmentChange(change)) => {
                self.update_segment(id()?, change)
            }
            (OperationId::DeleteSegment, Input::None) => self.delete_segment(id()?),
            (operation, input) => Err(ApiError::Internal {
                message: format!("the handler of {operation:?} cannot take {input:?}"),
            }),
        }
    }

    /// `GET /api/v1/contacts` (D19)
    fn list_contacts(&self, query: &ContactQuery) -> Result<Reply, ApiError> {
        let store = self.workspace.store();
        let (contacts, total) = store
            .list_contacts(self.project, query)
            .map_err(|err| ApiError::from(err).naming(&[("segment", "/query/segment_id")]))?;
        let mut body = b"{\"contacts\":".to_vec();
        json::put_array(&mut body, &contacts, |out, contact| contact.write_json(out));
        body.extend_from_slice(b",\"pagination\":");
        json::put(
            &mut body,
            &json!({
                "page": query.page,
                "limit": query.limit,
                "total": total,
                "pages": total.div_ceil(query.limit),
            }),
        );
        body.push(b'}');
        Ok(self.numbered(Reply::with_body(StatusCode::OK, JSON, body.into())))
    }

    /// `POST /api/v1/contacts` (D20)
    fn create_contact(&self, contact: NewContact) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        let view =
            store.create_contact(self.project, contact.draft, contact.create_only, self.now)?;
        Ok(self.contact(StatusCode::CREATED, &view))
    }

    /// `POST /api/v1/contacts/bulk-import`: each readable row created on its own, all or
    /// nothing for that row; rows that break the contract and e-mails in use (already, or
    /// earlier in the payload) are skipped, each with its reasons.
    fn bulk_import(&self, rows: Vec<BulkRow>) -> Result<Reply, ApiError> {
        let (mut imported, mut errors) = (0_usize, Vec::new());
        let mut store = self.workspace.store();
        for BulkRow {
            index,
            email,
            contact,
        } in rows
        {
            let refusal = match contact {
                Ok(contact) => match store.create_contact(
                    self.project,
                    contact.draft,
                    contact.create_only,
                    self.now,
                ) {
                    Ok(_) => {
                        imported += 1;
                        continue;
                    }
                    Err(err @ StoreError::EmailTaken { .. }) => vec![Violation::new(
                        "/email",
                        format!("{err}; the row was skipped"),
                        "unique",
                    )],
                    Err(err) => return Err(err.into()),
                },
                Err(violations) => violations,
            };
            errors.push(json!({ "index": index, "email": email, "errors": refusal }));
        }
        let result = json!({
            "success": true,
            "imported": imported,
            "skipped": errors.len(), // every skipped row has its entry
            "errors": errors,
            "message": format!("Successfully imported {imported} contacts"),
        });
        Ok(self.json(StatusCode::OK, &result))
    }

    /// `GET /api/v1/contacts/{contactId}`
    fn get_contact(&self, id: Uuid) -> Result<Reply, ApiError> {
        let store = self.workspace.store();
        Ok(self.contact(StatusCode::OK, &store.contact(self.project, id)?))
    }

    /// `PATCH /api/v1/contacts/{contactId}` (D6–D11)
    fn update_contact(&self, id: Uuid, patch: ContactPatch) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        let before = written(&store, self.project, id);
        let view = store.patch_contact(self.project, id, patch, self.now)?;
        let after = view.written();
        let reply = self.contact(StatusCode::OK, &view);
        // Compared once the store is free again for other requests.
        drop(store);
        Ok(with_changes(reply, before, Some(after)))
    }

    /// `DELETE /api/v1/contacts/{contactId}` (D20)
    fn delete_contact(&self, id: Uuid) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        store.delete_contact(self.project, id)?;
        Ok(self.message("Contact deleted successfully"))
    }

    /// `GET /api/v1/contacts/tags`
    fn list_tags(&self) -> Reply {
        let store = self.workspace.store();
        let tags: Vec<_> = store
            .tags(self.project)
            .into_iter()
            .map(Tag::view)
            .collect();
        self.json(StatusCode::OK, &tags)
    }

    /// `POST /api/v1/contacts/tags`
    fn create_tag(&self, tag: NewTag) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        let tag = store.create_tag(self.project, tag.name, tag.color, self.now)?;
        Ok(self.json(StatusCode::CREATED, &tag.view()))
    }

    /// `PUT /api/v1/contacts/tags/{tagId}`: a partial update, as the docs use it.
    fn update_tag(&self, id: Uuid, change: TagChange) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        let before = store
            .tags(self.project)
            .into_iter()
            .find(|tag| tag.id() == id)
            .map(|tag| serde_json::to_vec(&tag.view()).expect("a tag serialises"));
        let tag = store.update_tag(self.project, id, change.name, change.color)?;
        let mut reply = self.json(StatusCode::OK, &tag.view());
        reply.changes = before.and_then(|before| changes::between(&before, &reply.body));
        Ok(reply)
    }

    /// `DELETE /api/v1/contacts/tags/{tagId}`: detached from every contact too.
    fn delete_tag(&self, id: Uuid) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        store.delete_tag(self.project, id)?;
        Ok(self.message("Tag deleted successfully"))
    }

    /// `POST /api/v1/contacts/contact-tags`: the contact, 201 when the tag was attached,
    /// 200 when it already was.
    fn attach_tag(&self, pair: ContactTag) -> Result<Reply, ApiError> {
        self.changing_contact(pair.contact_id, |store| {
            let (attached, view) =
                store.attach_tag(self.project, pair.contact_id, pair.tag_id, self.now)?;
            let status = if attached {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(self.contact(status, &view))
        })
        .map_err(|err| err.naming(&[("contact", "/contact_id"), ("tag", "/tag_id")]))
    }

    /// `DELETE /api/v1/contacts/contact-tags?contact_id=…&tag_id=…`: one that was not
    /// attached is not an error.
    fn detach_tag(&self, pair: ContactTag) -> Result<Reply, ApiError> {
        self.changing_contact(pair.contact_id, |store| {
            store.detach_tag(self.project, pair.contact_id, pair.tag_id, self.now)?;
            Ok(self.message("Tag removed from contact successfully"))
        })
        .map_err(|err| err.naming(&[("contact", "/query/contact_id"), ("tag", "/query/tag_id")]))
    }

    /// `GET /api/v1/contacts/{contactId}/unsubscribes` (D21)
    fn list_unsubscribes(&self, id: Uuid) -> Result<Reply, ApiError> {
        let store = self.workspace.store();
        Ok(self.json(StatusCode::OK, &store.unsubscribes(self.project, id)?))
    }

    /// `POST /api/v1/contacts/{contactId}/unsubscribes` (D21)
    fn unsubscribe(&self, id: Uuid, request: UnsubscribeRequest) -> Result<Reply, ApiError> {
        self.changing_contact(id, |store| {
            let record =
                store.unsubscribe(self.project, id, request.reason, request.source, self.now)?;
            Ok(self.json(StatusCode::CREATED, record))
        })
    }

    /// `DELETE /api/v1/contacts/{contactId}/unsubscribes` (D21): every record removed.
    fn resubscribe(&self, id: Uuid) -> Result<Reply, ApiError> {
        self.changing_contact(id, |store| {
            store.resubscribe(self.project, id, self.now)?;
            Ok(self.message("Contact resubscribed successfully"))
        })
    }

    /// `GET /api/v1/contacts/{contactId}/custom-fields` (D18)
    fn get_custom_fields(&self, id: Uuid) -> Result<Reply, ApiError> {
        let store = self.workspace.store();
        Ok(self.json(StatusCode::OK, store.custom_fields(self.project, id)?))
    }

    /// `PATCH /api/v1/contacts/{contactId}/custom-fields` (D18): an RFC 7396 merge patch.
    fn merge_custom_fields(&self, id: Uuid, patch: Map<String, Value>) -> Result<Reply, ApiError> {
        self.changing_contact(id, |store| {
            let merged = store.merge_custom_fields(self.project, id, patch, self.now)?;
            Ok(self.json(StatusCode::OK, merged))
        })
    }

    /// `GET /api/v1/contacts/lists` (D28)
    fn list_lists(&self) -> Reply {
        let store = self.workspace.store();
        let lists: Vec<Value> = store
            .lists(self.project)
            .into_iter()
            .map(|list| list.to_json())
            .collect();
        self.json(StatusCode::OK, &lists)
    }

    /// `POST /api/v1/contacts/lists` (D28)
    fn create_list(&self, list: NewList) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        let list = store.create_list(self.project, list.name, list.description, self.now)?;
        Ok(self.json(StatusCode::CREATED, &list.to_json()))
    }

    /// `GET /api/v1/contacts/lists/{listId}`
    fn get_list(&self, id: Uuid) -> Result<Reply, ApiError> {
        let store = self.workspace.store();
        Ok(self.json(StatusCode::OK, &store.list(self.project, id)?.to_json()))
    }

    /// `PATCH /api/v1/contacts/lists/{listId}`: only the fields sent change.
    fn update_list(&self, id: Uuid, change: ListChange) -> Result<Reply, ApiError> {
        self.changing_list(id, |store| {
            let list =
                store.update_list(self.project, id, change.name, change.description, self.now)?;
            Ok(self.json(StatusCode::OK, &list.to_json()))
        })
    }

    /// `DELETE /api/v1/contacts/lists/{listId}`: the contacts stay.
    fn delete_list(&self, id: Uuid) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        store.delete_list(self.project, id)?;
        Ok(self.message("List deleted successfully"))
    }

    /// `GET /api/v1/contacts/lists/{listId}/members?page&limit` (D28): a bare array.
    fn list_members(&self, id: Uuid, page: Page) -> Result<Reply, ApiError> {
        let store = self.workspace.store();
        let members = store.list_members(self.project, id, page.page, page.limit)?;
        let mut body = Vec::with_capacity(256 + members.len() * 1024);
        json::put_array(&mut body, &members, |out, (member, contact)| {
            write_member(out, id, member, contact);
        });
        Ok(self.numbered(Reply::with_body(StatusCode::OK, JSON, body.into())))
    }

    /// `POST /api/v1/contacts/lists/{listId}/members`: the member, 201 when the contact
    /// was added, 200 when it already was one.
    fn add_member(&self, id: Uuid, contact: Uuid) -> Result<Reply, ApiError> {
        self.changing_list(id, |store| {
            let (added, member, view) = store.add_member(self.project, id, contact, self.now)?;
            let mut body = Vec::with_capacity(1200);
            write_member(&mut body, id, &member, &view);
            let status = if added {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(self.numbered(Reply::with_body(status, JSON, body.into())))
        })
        .map_err(|err| err.naming(&[("contact", "/contact_id")]))
    }

    /// `DELETE /api/v1/contacts/lists/{listId}/members?contact_id=…`: one that was not a
    /// member is not an error.
    fn remove_member(&self, id: Uuid, contact: Uuid) -> Result<Reply, ApiError> {
        self.changing_list(id, |store| {
            store.remove_member(self.project, id, contact)?;
            Ok(self.message("Contact removed from list successfully"))
        })
        .map_err(|err| err.naming(&[("contact", "/query/contact_id")]))
    }

    /// `GET /api/v1/contacts/segments` (D29): each with its `contact_count` now.
    fn list_segments(&self) -> Reply {
        let store = self.workspace.store();
        let segments: Vec<Value> = store
            .segments(self.project)
            .into_iter()
            .map(|(segment, count)| segment.to_json(count))
            .collect();
        self.json(StatusCode::OK, &segments)
    }

    /// `POST /api/v1/contacts/segments` (D29)
    fn create_segment(&self, segment: NewSegment) -> Reply {
        let mut store = self.workspace.store();
        let NewSegment {
            name,
            description,
            rules,
        } = segment;
        let (segment, count) =
            store.create_segment(self.project, name, description, rules, self.now);
        self.json(StatusCode::CREATED, &segment.to_json(count))
    }

    /// `GET /api/v1/contacts/segments/{segmentId}`
    fn get_segment(&self, id: Uuid) -> Result<Reply, ApiError> {
        let store = self.workspace.store();
        let (segment, count) = store.segment(self.project, id)?;
        Ok(self.json(StatusCode::OK, &segment.to_json(count)))
    }

    /// `PATCH /api/v1/contacts/segments/{segmentId}`: only the fields sent change.
    fn update_segment(&self, id: Uuid, change: SegmentChange) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        let before = segment_json(store.segment(self.project, id)?);
        let after = segment_json(store.update_segment(self.project, id, change, self.now)?);
        let mut reply = self.json(StatusCode::OK, &after);
        drop(store);
        reply.changes = changes::of_values(&before, &after);
        Ok(reply)
    }

    /// `DELETE /api/v1/contacts/segments/{segmentId}`: the contacts stay.
    fn delete_segment(&self, id: Uuid) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        store.delete_segment(self.project, id)?;
        Ok(self.message("Segment deleted successfully"))
    }

    /// `act` on the store, with what it changed in list `id` (its name, description,
    /// `member_count`) as the reply's `changes`; a list the project lacks is refused first.
    fn changing_list(
        &self,
        id: Uuid,
        act: impl FnOnce(&mut Store) -> Result<Reply, ApiError>,
    ) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        let before = store.list(self.project, id)?.to_json();
        let mut reply = act(&mut store)?;
        let after = store.list(self.project, id)?.to_json();
        // Compared once the store is free again for other requests.
        drop(store);
        reply.changes = changes::of_values(&before, &after);
        Ok(reply)
    }

    /// `act` on the store, with what it changed in contact `id` as the reply's `changes`.
    /// The contact's JSON before and after is mostly copied from what it keeps (D12), under
    /// the store's lock; comparing the two is not.
    fn changing_contact(
        &self,
        id: Uuid,
        act: impl FnOnce(&mut Store) -> Result<Reply, ApiError>,
    ) -> Result<Reply, ApiError> {
        let mut store = self.workspace.store();
        let before = written(&store, self.project, id);
        let reply = act(&mut store)?;
        let after = written(&store, self.project, id);
        // Compared once the store is free again for other requests.
        drop(store);
        Ok(with_changes(reply, before, after))
    }

    /// A JSON answer, while the store is locked.
    fn json(&self, status: StatusCode, body: &impl Serialize) -> Reply {
        self.numbered(Reply::json(status, body))
    }

    /// `{"message": …}`, while the store is locked.
    fn message(&self, message: &str) -> Reply {
        self.json(StatusCode::OK, &json!({ "message": message }))
    }

    /// A contact as the answer, while the store is locked.
    fn contact(&self, status: StatusCode, contact: &ContactView<'_>) -> Reply {
        let mut body = Vec::with_capacity(1024);
        contact.write_json(&mut body);
        self.numbered(Reply::with_body(status, JSON, body.into()))
    }

    /// `reply` with its `seq` drawn now, under the store lock, so that `seq` orders
    /// exchanges as the store saw them.
    fn numbered(&self, mut reply: Reply) -> Reply {
        reply.seq = Some(self.workspace.sequence.next());
        reply
    }
}

/// A segment and its member count, as the API sends it.
fn segment_json((segment, count): (&Segment, usize)) -> Value {
    segment.to_json(count)
}

/// Appends list `list`'s `member` with its contact, as D28 has it.
fn write_member(out: &mut Vec<u8>, list: Uuid, member: &Member, contact: &ContactView<'_>) {
    out.extend_from_slice(b"{\"contact_id\":");
    json::put_uuid(out, &member.contact_id);
    out.extend_from_slice(b",\"list_id\":");
    json::put_uuid(out, &list);
    out.extend_from_slice(b",\"added_at\":");
    member.added_at.write_json(out);
    out.extend_from_slice(b",\"crm_contacts\":");
    contact.write_json(out);
    out.push(b'}');
}

/// Contact `id` of `project` as the API sends it, kept rather than copied, if it is there.
fn written(store: &Store, project: Uuid, id: Uuid) -> Option<Written> {
    store.contact(project, id).ok().map(|view| view.written())
}

/// `reply` with what an update changed in a contact, `before` and `after` it.
fn with_changes(mut reply: Reply, before: Option<Written>, after: Option<Written>) -> Reply {
    if let (Some(before), Some(after)) = (before, after) {
        reply.changes = changes::of_contact(&before, &after);
    }
    reply
}
