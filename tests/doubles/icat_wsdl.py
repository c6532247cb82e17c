"""The WSDL and XSD of an ICAT 5 SOAP service, derived from the ICAT 5 dump schema.

Every entity type of `builder/schema/icatdata-5.0.xsd` becomes a WSDL type
in ICAT's namespace, extending `entityBaseBean` with the id and the
create/mod stamps that real ICAT entities carry. Attributes keep their XML
types, references become relations to the target entity type (ONE), and
nested lists become relations with many (MANY), as in ICAT's own WSDL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lxml import etree

from builder.catalogue.icatschema import SCHEMA_PATH

NS = "http://icatproject.org"
XSD = "{http://www.w3.org/2001/XMLSchema}"
NOT_ENTITIES = {"icatdata", "head", "data", "entityBase", "entityReference"}
# ICAT's Java types of attributes, as getEntityInfo names them
JAVA_TYPES = {"xsd:string": "String", "xsd:anyURI": "String", "xsd:double": "Double", "xsd:dateTime": "Date",
              "xsd:boolean": "Boolean", "xsd:integer": "Long", "xsd:long": "Long", "xsd:int": "Integer",
              "parameterValueType": "ParameterValueType", "studyStatus": "StudyStatus"}
WSDL_TYPES = {"xsd:integer": "xs:long", "xsd:anyURI": "xs:string", "parameterValueType": "tns:parameterValueType",
              "studyStatus": "tns:studyStatus"}
META = (("createId", "xs:string"), ("createTime", "xs:dateTime"), ("id", "xs:long"), ("modId", "xs:string"),
        ("modTime", "xs:dateTime"))
# name: (request parts, response type or None, response is a list)
OPERATIONS = {
    "getApiVersion": ((), "xs:string", False),
    "getEntityNames": ((), "xs:string", True),
    "getEntityInfo": (("beanName",), "tns:entityInfo", False),
    "login": (("plugin", "credentials"), "xs:string", False),
    "logout": (("sessionId",), None, False),
    "refresh": (("sessionId",), None, False),
    "getRemainingMinutes": (("sessionId",), "xs:double", False),
    "getUserName": (("sessionId",), "xs:string", False),
    "search": (("sessionId", "query"), "xs:anyType", True),
}


@dataclass(frozen=True)
class Field:
    """One field of an ICAT entity, as getEntityInfo describes it."""

    name: str
    rel_type: str  # ATTRIBUTE, ONE or MANY
    type: str  # Java type of an attribute, or the bean name of the related entity
    not_nullable: bool
    xml_type: str  # the dump schema's type: "xsd:string", "datasetRef", "datasetParameter", ...


@dataclass(frozen=True)
class EntityType:
    bean: str  # "DataCollection"
    fields: tuple[Field, ...]
    constraint: tuple[str, ...]  # the fields that make an entity unique

    @property
    def kind(self) -> str:
        return self.bean[0].lower() + self.bean[1:]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def bean_of(kind: str) -> str:
    return kind[0].upper() + kind[1:]


@cache
def entity_types() -> dict[str, EntityType]:
    """Bean name -> entity type, for every entity of the ICAT 5 schema."""
    tree = etree.parse(str(SCHEMA_PATH))
    complex_types = {t.get("name"): t for t in tree.iter(f"{XSD}complexType")}
    found = {}
    for name, complex_type in sorted(complex_types.items()):
        if name in NOT_ENTITIES or name.endswith("Ref"):
            continue
        fields = tuple(_field(element) for element in complex_type.iter(f"{XSD}element"))
        found[bean_of(name)] = EntityType(bean_of(name), fields, _constraint(complex_types.get(f"{name}Ref")))
    return found


def _field(element: etree._Element) -> Field:
    xml_type, name = element.get("type"), element.get("name")
    not_nullable = element.get("minOccurs") != "0"
    if xml_type.endswith("Ref"):
        return Field(name, "ONE", bean_of(xml_type[:-3]), not_nullable, xml_type)
    if element.get("maxOccurs") == "unbounded":
        return Field(name, "MANY", bean_of(xml_type), False, xml_type)
    if xml_type not in JAVA_TYPES:  # permissibleStringValue.type names its target without "Ref"
        return Field(name, "ONE", bean_of(xml_type), not_nullable, f"{xml_type}Ref")
    return Field(name, "ATTRIBUTE", JAVA_TYPES[xml_type], not_nullable, xml_type)


def _constraint(reference: etree._Element | None) -> tuple[str, ...]:
    """The key attributes a dump may reference an entity by are its uniqueness constraint.

    Except a DOI, which a dump may also reference by but which ICAT never constrains.
    """
    if reference is None:
        return ()
    names = [a.get("name").split(".")[0] for a in reference.iter(f"{XSD}attribute")]
    return tuple(dict.fromkeys(n for n in names if n not in ("ref", "id", "doi")))


# ---------------------------------------------------------------- documents


def schema_document() -> bytes:
    """The XSD a WSDL client imports: entity types, operation wrappers, the fault."""
    parts = [f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{NS}" targetNamespace="{NS}" '
             'version="1.0">',
             '<xs:element name="IcatException" type="tns:icatException"/>']
    for name, (inputs, output, many) in OPERATIONS.items():
        parts.append(f'<xs:element name="{name}" type="tns:{name}"/>')
        parts.append(f'<xs:element name="{name}Response" type="tns:{name}Response"/>')
        parts.append(f'<xs:complexType name="{name}"><xs:sequence>'
                     + "".join(_input(part) for part in inputs) + "</xs:sequence></xs:complexType>")
        returned = "" if output is None else (
            f'<xs:element name="return" type="{output}" minOccurs="0"'
            + (' maxOccurs="unbounded"' if many else "") + "/>")
        parts.append(f'<xs:complexType name="{name}Response"><xs:sequence>{returned}</xs:sequence></xs:complexType>')
    parts.append(_fixed_types())
    parts.append('<xs:complexType name="entityBaseBean" abstract="true"><xs:sequence>'
                 + "".join(f'<xs:element name="{n}" type="{t}" minOccurs="0"/>' for n, t in META)
                 + "</xs:sequence></xs:complexType>")
    for entity in entity_types().values():
        parts.append(_entity_type(entity))
    parts.append("</xs:schema>")
    return "\n".join(parts).encode()


def _input(part: str) -> str:
    kind = "tns:credentials" if part == "credentials" else "xs:string"
    return f'<xs:element name="{part}" type="{kind}" minOccurs="0"/>'


def _entity_type(entity: EntityType) -> str:
    elements = []
    for field in entity.fields:
        if field.rel_type == "ATTRIBUTE":
            xml_type = WSDL_TYPES.get(field.xml_type, field.xml_type.replace("xsd:", "xs:"))
            elements.append(f'<xs:element name="{field.name}" type="{xml_type}" minOccurs="0"/>')
        elif field.rel_type == "ONE":
            elements.append(f'<xs:element name="{field.name}" type="tns:{field.xml_type[:-3]}" minOccurs="0"/>')
        else:
            elements.append(f'<xs:element name="{field.name}" type="tns:{field.xml_type}" nillable="true" '
                            'minOccurs="0" maxOccurs="unbounded"/>')
    return (f'<xs:complexType name="{entity.kind}"><xs:complexContent><xs:extension base="tns:entityBaseBean">'
            f'<xs:sequence>{"".join(elements)}</xs:sequence></xs:extension></xs:complexContent></xs:complexType>')


def _fixed_types() -> str:
    enumerations = {"relType": ("ATTRIBUTE", "MANY", "ONE"),
                    "icatExceptionType": ("BAD_PARAMETER", "INTERNAL", "INSUFFICIENT_PRIVILEGES",
                                          "NO_SUCH_OBJECT_FOUND",
                                          "OBJECT_ALREADY_EXISTS", "SESSION", "VALIDATION", "NOT_IMPLEMENTED"),
                    "parameterValueType": ("DATE_AND_TIME", "NUMERIC", "STRING"),
                    "studyStatus": ("NEW", "IN_PROGRESS", "COMPLETE", "CANCELLED")}
    simple = "".join(f'<xs:simpleType name="{name}"><xs:restriction base="xs:string">'
                     + "".join(f'<xs:enumeration value="{v}"/>' for v in values) + "</xs:restriction></xs:simpleType>"
                     for name, values in enumerations.items())
    return simple + """
<xs:complexType name="icatException"><xs:sequence><xs:element name="message" type="xs:string" minOccurs="0"/>
<xs:element name="offset" type="xs:int"/><xs:element name="type" type="tns:icatExceptionType" minOccurs="0"/>
</xs:sequence></xs:complexType>
<xs:complexType name="credentials"><xs:sequence><xs:element name="entry" minOccurs="0" maxOccurs="unbounded">
<xs:complexType><xs:sequence><xs:element name="key" type="xs:string" minOccurs="0"/>
<xs:element name="value" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType></xs:element>
</xs:sequence></xs:complexType>
<xs:complexType name="entityInfo"><xs:sequence><xs:element name="classComment" type="xs:string" minOccurs="0"/>
<xs:element name="constraints" type="tns:constraint" nillable="true" minOccurs="0" maxOccurs="unbounded"/>
<xs:element name="fields" type="tns:entityField" nillable="true" minOccurs="0" maxOccurs="unbounded"/>
</xs:sequence></xs:complexType>
<xs:complexType name="constraint"><xs:sequence>
<xs:element name="fieldNames" type="xs:string" nillable="true" minOccurs="0" maxOccurs="unbounded"/>
</xs:sequence></xs:complexType>
<xs:complexType name="entityField"><xs:sequence><xs:element name="comment" type="xs:string" minOccurs="0"/>
<xs:element name="name" type="xs:string" minOccurs="0"/><xs:element name="notNullable" type="xs:boolean"/>
<xs:element name="relType" type="tns:relType" minOccurs="0"/>
<xs:element name="stringLength" type="xs:int" minOccurs="0"/><xs:element name="type" type="xs:string" minOccurs="0"/>
</xs:sequence></xs:complexType>"""


def wsdl_document(base_url: str) -> bytes:
    """The service description python-icat fetches from <base_url>/ICATService/ICAT?wsdl."""
    address = f"{base_url}/ICATService/ICAT"
    messages, port_operations, binding_operations = [], [], []
    for name in OPERATIONS:
        messages.append(f'<message name="{name}"><part name="parameters" element="tns:{name}"/></message>'
                        f'<message name="{name}Response"><part name="parameters" element="tns:{name}Response"/>'
                        "</message>")
        port_operations.append(f'<operation name="{name}"><input message="tns:{name}"/>'
                               f'<output message="tns:{name}Response"/>'
                               '<fault message="tns:IcatException" name="IcatException"/></operation>')
        binding_operations.append(f'<operation name="{name}"><soap:operation soapAction=""/>'
                                  '<input><soap:body use="literal"/></input><output><soap:body use="literal"/></output>'
                                  '<fault name="IcatException"><soap:fault name="IcatException" use="literal"/></fault>'
                                  "</operation>")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
 xmlns:tns="{NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="{NS}" name="ICATService">
<types><xsd:schema><xsd:import namespace="{NS}" schemaLocation="{address}?xsd=1"/></xsd:schema></types>
<message name="IcatException"><part name="fault" element="tns:IcatException"/></message>
{"".join(messages)}
<portType name="ICAT">{"".join(port_operations)}</portType>
<binding name="ICATPortBinding" type="tns:ICAT">
<soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
{"".join(binding_operations)}
</binding>
<service name="ICATService"><port name="ICATPort" binding="tns:ICATPortBinding">
<soap:address location="{address}"/></port></service>
</definitions>""".encode()
