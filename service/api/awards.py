"""The award register's look-up: search, a person's and a unit's award history, within the reader's scope."""
from __future__ import annotations

from .. import access
from ..db import db
from ..errors import NotFound
from ..lookup import acting_user, with_unit
from ..models import Person
from ..operations import register as register_ops
from ..schemas.awards import AwardOut, AwardPageOut, AwardSearchArgs
from .handlers import authenticate_request
from .parsing import Blueprint

blp = Blueprint("awards", __name__, url_prefix="/api/v1", description="Sổ khen thưởng")
blp.before_request(authenticate_request)


@blp.route("/awards")
@blp.arguments(AwardSearchArgs, location="query")
@blp.response(200, AwardPageOut)
@blp.documented_errors(401, 422)
def search_awards(args):
    """Tìm khen thưởng theo họ tên (có dấu hoặc không dấu), đơn vị, năm, hình thức, số quyết định;
    chỉ trong phạm vi người hỏi được xem."""
    return register_ops.search_awards(acting_user(), **args)


@blp.route("/people/<int:person_id>/awards")
@blp.response(200, AwardOut(many=True))
@blp.documented_errors(401, 404)
def person_awards(person_id):
    """Quá trình khen thưởng của một người (hoặc tập thể), từ cũ đến mới."""
    user = acting_user()
    person = db.session.get(Person, person_id)
    if person is None or not access.can_read_person_awards(user, person):
        raise NotFound(f"Không tìm thấy người số {person_id} trong sổ.")
    return register_ops.person_awards(user, person_id)


@blp.route("/units/<int:unit_id>/awards")
@blp.response(200, AwardOut(many=True))
@blp.documented_errors(401, 404)
@with_unit()
def unit_awards(user, unit):
    """Quá trình khen thưởng của một đơn vị (của đơn vị và người của đơn vị), từ cũ đến mới."""
    return register_ops.unit_awards(user, unit.id)
