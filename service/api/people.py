"""The register of people and collectives: search a page at a time, add, correct, transfer to another unit."""
from __future__ import annotations

from flask.views import MethodView

from .. import presenters
from ..operations import people as people_ops
from ..schemas.people import PeopleListArgs, PersonIn, PersonOut, PersonUpdateIn, TransferIn
from .handlers import _page_links, authenticate_request, current_user
from .parsing import Blueprint

blp = Blueprint("people", __name__, url_prefix="/api/v1", description="Sổ cá nhân, tập thể")
blp.before_request(authenticate_request)


@blp.route("/people")
class PeopleCollection(MethodView):
    @blp.arguments(PeopleListArgs, location="query")
    @blp.response(200, PersonOut(many=True), headers={
        "X-Total-Count": {"description": "Số người (tập thể) khớp điều kiện", "schema": {"type": "integer"}}})
    @blp.documented_errors(401, 422)
    def get(self, args):
        """Cá nhân, tập thể của đơn vị người dùng (quản trị: mọi đơn vị), tìm theo tên có hoặc không dấu."""
        user = current_user()
        page, size = args["page"], args["page_size"]
        rows, total = people_ops.search_people(user, q=args.get("q", ""), kind=args.get("kind"), page=page,
                                               page_size=size)
        return [presenters.person(p, user) for p in rows], {"X-Total-Count": str(total),
                                                            **_page_links(page, size, total)}

    @blp.arguments(PersonIn)
    @blp.response(201, PersonOut)
    @blp.documented_errors(401, 403, 404, 422)
    def post(self, data):
        """Ghi một cá nhân hoặc tập thể vào sổ của đơn vị."""
        user = current_user()
        return presenters.person(people_ops.add_person(user, data), user)


@blp.route("/people/<int:person_id>")
class PersonItem(MethodView):
    @blp.response(200, PersonOut)
    @blp.documented_errors(401, 404)
    def get(self, person_id):
        """Một cá nhân (tập thể) với quá trình công tác."""
        user = current_user()
        return presenters.person(people_ops.load_person(user, person_id), user)

    @blp.arguments(PersonUpdateIn)
    @blp.response(200, PersonOut)
    @blp.documented_errors(401, 403, 404, 422)
    def patch(self, data, person_id):
        """Sửa thông tin; is_active = false: không còn chọn được khi đề nghị."""
        user = current_user()
        person = people_ops.load_person(user, person_id)
        return presenters.person(people_ops.update_person(user, person, data), user)


@blp.route("/people/<int:person_id>/transfers")
class PersonTransfers(MethodView):
    @blp.arguments(TransferIn)
    @blp.response(201, PersonOut)
    @blp.documented_errors(401, 403, 404, 422)
    def post(self, data, person_id):
        """Chuyển sang đơn vị khác: kết thúc quá trình ở đơn vị cũ, mở quá trình mới (giữ lịch sử)."""
        user = current_user()
        person = people_ops.load_person(user, person_id)
        return presenters.person(people_ops.transfer_person(user, person, data), user)
