"""KafkaError / KafkaException as confluent_kafka has them: every code the binding names
(with librdkafka's description), unknown codes, the flags, KafkaException's arguments kept
as given, and confluent_kafka.error's exceptions for the serializing clients."""

import pytest

from pysim.kafka import KafkaError, KafkaException
from pysim.kafka.error import (ConsumeError, KeyDeserializationError, KeySerializationError, ProduceError,
                               ValueDeserializationError, ValueSerializationError)
from pysim.kafka.error_codes import CODES
from pysim.kafka.serialization import SerializationError


def test_every_code_of_the_binding_is_a_class_attribute_with_its_name_and_description():
    assert len(CODES) == 188
    for code, name, description in CODES:
        assert getattr(KafkaError, name) == code
        err = KafkaError(code)
        assert (err.code(), err.name(), err.str()) == (code, name, description)
    assert KafkaError._MAX_POLL_EXCEEDED == -147 and KafkaError.MEMBER_ID_REQUIRED == 79
    assert KafkaError(KafkaError._MSG_TIMED_OUT).str() == "Local: Message timed out"


def test_an_unknown_code_has_the_bindings_placeholder_name_and_text():
    err = KafkaError(12345)
    assert (err.name(), err.str()) == ("ERR_12345?", "Err-12345?")
    assert str(err) == 'KafkaError{code=ERR_12345?,val=12345,str="Err-12345?"}'
    assert not (err.fatal() or err.retriable() or err.txn_requires_abort())


def test_flags_reason_and_equality():
    err = KafkaError(KafkaError.MEMBER_ID_REQUIRED, "custom", fatal=True)
    assert err.fatal() and not err.retriable() and err.str() == "custom"
    assert str(err) == 'KafkaError{FATAL,code=MEMBER_ID_REQUIRED,val=79,str="custom"}'
    assert KafkaError(KafkaError._ALL_BROKERS_DOWN, "Mayday!") == KafkaError._ALL_BROKERS_DOWN
    assert KafkaError(1) != KafkaError(2) and KafkaError(1) != 2
    assert KafkaError(3, retriable=True).retriable() and KafkaError(3, txn_requires_abort=True).txn_requires_abort()
    with pytest.raises(TypeError):
        KafkaError()
    with pytest.raises(TypeError):
        KafkaError("3")


def test_kafka_exception_keeps_its_arguments():
    assert KafkaException().args == () and str(KafkaException()) == ""
    assert KafkaException("text").args == ("text",)
    err = KafkaError(1)
    assert KafkaException(err, "extra").args == (err, "extra")
    assert str(KafkaException(err)) == str(err)

    class Mine(KafkaException):
        def hello(self):
            return "yes"

    assert Mine().hello() == "yes" and isinstance(Mine(), KafkaException)


@pytest.mark.parametrize("cls", [ConsumeError, ProduceError])
def test_client_errors_expose_code_name_and_cause(cls):
    cause = ValueError("bad")
    e = cls(KafkaError(KafkaError.INVALID_CONFIG), exception=cause)
    assert (e.code, e.name, e.exception) == (KafkaError.INVALID_CONFIG, "INVALID_CONFIG", cause)
    e = cls(KafkaError(KafkaError._KEY_SERIALIZATION, "Unable to serialize key"))
    assert e.name == "_KEY_SERIALIZATION" and e.args[0].str() == "Unable to serialize key"
    assert isinstance(e, KafkaException)


def test_serialization_errors_carry_their_code_and_are_serialization_errors():
    cause = ValueError("boom")
    for cls, code in [(KeySerializationError, KafkaError._KEY_SERIALIZATION),
                      (ValueSerializationError, KafkaError._VALUE_SERIALIZATION)]:
        e = cls(cause)
        assert e.code == code and e.args[0].str() == "boom" and e.exception is cause
        assert isinstance(e, ProduceError) and isinstance(e, SerializationError)
    for cls, code in [(KeyDeserializationError, KafkaError._KEY_DESERIALIZATION),
                      (ValueDeserializationError, KafkaError._VALUE_DESERIALIZATION)]:
        e = cls(cause, kafka_message="m")
        assert e.code == code and e.kafka_message == "m" and isinstance(e, ConsumeError)
