! hearth_f: Hearth's embedding API (hearth/embed.h) for Fortran programs, through iso_c_binding.
!
! A Fortran array is passed as it is: column-major, described to Hearth by its strides, never
! copied (real(c_float) arrays; real(c_double) ones are converted, which copies). The first
! dimension is the batch: x(batch, features).
!
!   use hearth_f
!   type(c_ptr) :: session
!   status = hearth_open("surrogate.toml", "runs", session)
!   status = hearth_train_step(session, x, y, loss)
!   status = hearth_end_epoch(session, stop)
!   status = hearth_predict(session, x, prediction)
!   status = hearth_close(session)
!
! Every function returns the status of embed.h (HEARTH_EMBED_OK = 0); hearth_last_error() gives
! the message of a failure.
module hearth_f
  use, intrinsic :: iso_c_binding
  implicit none
  private

  integer, parameter, public :: HEARTH_EMBED_OK = 0, HEARTH_EMBED_INVALID_ARGUMENT = 1, HEARTH_EMBED_INVALID_JOB = 2, &
                                HEARTH_EMBED_SHAPE_MISMATCH = 3, HEARTH_EMBED_PLUGIN_FAILED = 4, HEARTH_EMBED_IO_FAILED = 5, &
                                HEARTH_EMBED_FAILED = 6
  integer(c_int), parameter :: FLOAT32 = 0, FLOAT64 = 1

  ! The C structs, field for field.
  type, bind(C) :: embed_array
    integer(c_int32_t) :: struct_size
    type(c_ptr) :: data
    integer(c_int) :: dtype
    integer(c_int32_t) :: rank
    type(c_ptr) :: shape
    type(c_ptr) :: strides
    integer(c_int32_t) :: device
  end type

  type, bind(C) :: embed_params
    integer(c_int32_t) :: struct_size
    type(c_ptr) :: job_file, job_toml, runs_dir, resume, plugin_path
  end type

  ! An array's sizes and strides, kept alive for the call that reads them.
  type :: array_layout
    integer(c_int64_t) :: shape(2), strides(2)
  end type

  interface
    subroutine c_default_params(params) bind(C, name="hearth_embed_default_params")
      import :: embed_params
      type(embed_params), intent(out) :: params
    end subroutine
    integer(c_int) function c_open(params, session) bind(C, name="hearth_embed_open")
      import :: embed_params, c_ptr, c_int
      type(embed_params), intent(in) :: params
      type(c_ptr), intent(out) :: session
    end function
    integer(c_int) function c_train_step(session, inputs, input_count, targets, target_count, loss) &
        bind(C, name="hearth_embed_train_step")
      import :: c_ptr, c_int, c_size_t, c_double, embed_array
      type(c_ptr), value :: session
      type(embed_array), intent(in) :: inputs, targets
      integer(c_size_t), value :: input_count, target_count
      real(c_double), intent(out) :: loss
    end function
    integer(c_int) function c_eval_step(session, inputs, input_count, targets, target_count, loss) &
        bind(C, name="hearth_embed_eval_step")
      import :: c_ptr, c_int, c_size_t, c_double, embed_array
      type(c_ptr), value :: session
      type(embed_array), intent(in) :: inputs, targets
      integer(c_size_t), value :: input_count, target_count
      real(c_double), intent(out) :: loss
    end function
    integer(c_int) function c_predict(session, inputs, input_count, outputs, output_count) bind(C, name="hearth_embed_predict")
      import :: c_ptr, c_int, c_size_t, embed_array
      type(c_ptr), value :: session
      type(embed_array), intent(in) :: inputs
      type(embed_array), intent(inout) :: outputs
      integer(c_size_t), value :: input_count, output_count
    end function
    integer(c_int) function c_log_scalar(session, name, value) bind(C, name="hearth_embed_log_scalar")
      import :: c_ptr, c_int, c_char, c_double
      type(c_ptr), value :: session
      character(kind=c_char), intent(in) :: name(*)
      real(c_double), value :: value
    end function
    integer(c_int) function c_end_epoch(session, stop) bind(C, name="hearth_embed_end_epoch")
      import :: c_ptr, c_int
      type(c_ptr), value :: session
      integer(c_int), intent(out) :: stop
    end function
    integer(c_int) function c_save(session) bind(C, name="hearth_embed_save")
      import :: c_ptr, c_int
      type(c_ptr), value :: session
    end function
    integer(c_int64_t) function c_step_count(session) bind(C, name="hearth_embed_step_count")
      import :: c_ptr, c_int64_t
      type(c_ptr), value :: session
    end function
    integer(c_int) function c_world(session, rank, size) bind(C, name="hearth_embed_world")
      import :: c_ptr, c_int, c_int32_t
      type(c_ptr), value :: session
      integer(c_int32_t), intent(out) :: rank, size
    end function
    type(c_ptr) function c_run_folder(session) bind(C, name="hearth_embed_run_folder")
      import :: c_ptr
      type(c_ptr), value :: session
    end function
    integer(c_int) function c_close(session) bind(C, name="hearth_embed_close")
      import :: c_ptr, c_int
      type(c_ptr), value :: session
    end function
    type(c_ptr) function c_last_error() bind(C, name="hearth_embed_last_error")
      import :: c_ptr
    end function
    integer(c_size_t) function c_strlen(s) bind(C, name="strlen")
      import :: c_ptr, c_size_t
      type(c_ptr), value :: s
    end function
  end interface

  public :: hearth_open, hearth_train_step, hearth_eval_step, hearth_predict, hearth_log_scalar, hearth_end_epoch, &
            hearth_save, hearth_step_count, hearth_world, hearth_run_folder, hearth_close, hearth_last_error

contains

  ! A C string that lives as long as the character array holding it.
  function c_text(text) result(out)
    character(len=*), intent(in) :: text
    character(kind=c_char), allocatable, target :: out(:)
    integer :: i
    allocate(out(len_trim(text) + 1))
    do i = 1, len_trim(text)
      out(i) = text(i:i)
    end do
    out(len_trim(text) + 1) = c_null_char
  end function

  function f_text(p) result(out)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: out
    character(kind=c_char), pointer :: chars(:)
    integer :: i, n
    n = int(c_strlen(p))
    call c_f_pointer(p, chars, [n])
    allocate(character(len=n) :: out)
    do i = 1, n
      out(i:i) = chars(i)
    end do
  end function

  ! A 2-D float32 array x(batch, features) as Hearth sees it: column-major, by its strides.
  function described(x, layout) result(a)
    real(c_float), intent(in), target, contiguous :: x(:, :)
    type(array_layout), intent(inout), target :: layout
    type(embed_array) :: a
    layout%shape = [int(size(x, 1), c_int64_t), int(size(x, 2), c_int64_t)]
    layout%strides = [1_c_int64_t, int(size(x, 1), c_int64_t)]
    a%struct_size = int(c_sizeof(a), c_int32_t)
    a%data = c_loc(x)
    a%dtype = FLOAT32
    a%rank = 2
    a%shape = c_loc(layout%shape)
    a%strides = c_loc(layout%strides)
    a%device = -1
  end function

  ! Opens a session on `job_file`, its run under `runs_dir`; `resume`: a run folder to continue.
  integer function hearth_open(job_file, runs_dir, session, resume) result(status)
    character(len=*), intent(in) :: job_file, runs_dir
    type(c_ptr), intent(out) :: session
    character(len=*), intent(in), optional :: resume
    type(embed_params) :: params
    character(kind=c_char), allocatable, target :: job(:), runs(:), from(:)
    call c_default_params(params)
    job = c_text(job_file)
    runs = c_text(runs_dir)
    params%job_file = c_loc(job)
    params%runs_dir = c_loc(runs)
    if (present(resume)) then
      from = c_text(resume)
      params%resume = c_loc(from)
    end if
    status = c_open(params, session)
  end function

  integer function hearth_train_step(session, x, y, loss) result(status)
    type(c_ptr), intent(in) :: session
    real(c_float), intent(in), target, contiguous :: x(:, :), y(:, :)
    real(c_double), intent(out) :: loss
    type(array_layout), target :: lx, ly
    status = c_train_step(session, described(x, lx), 1_c_size_t, described(y, ly), 1_c_size_t, loss)
  end function

  integer function hearth_eval_step(session, x, y, loss) result(status)
    type(c_ptr), intent(in) :: session
    real(c_float), intent(in), target, contiguous :: x(:, :), y(:, :)
    real(c_double), intent(out) :: loss
    type(array_layout), target :: lx, ly
    status = c_eval_step(session, described(x, lx), 1_c_size_t, described(y, ly), 1_c_size_t, loss)
  end function

  integer function hearth_predict(session, x, prediction) result(status)
    type(c_ptr), intent(in) :: session
    real(c_float), intent(in), target, contiguous :: x(:, :)
    real(c_float), intent(inout), target, contiguous :: prediction(:, :)
    type(array_layout), target :: lx, lp
    type(embed_array) :: out
    out = described(prediction, lp)
    status = c_predict(session, described(x, lx), 1_c_size_t, out, 1_c_size_t)
  end function

  integer function hearth_log_scalar(session, name, value) result(status)
    type(c_ptr), intent(in) :: session
    character(len=*), intent(in) :: name
    real(c_double), intent(in) :: value
    status = c_log_scalar(session, c_text(name), value)
  end function

  ! `stop` is .true. when training should end here.
  integer function hearth_end_epoch(session, stop) result(status)
    type(c_ptr), intent(in) :: session
    logical, intent(out) :: stop
    integer(c_int) :: flag
    status = c_end_epoch(session, flag)
    stop = flag /= 0
  end function

  integer function hearth_save(session) result(status)
    type(c_ptr), intent(in) :: session
    status = c_save(session)
  end function

  integer(c_int64_t) function hearth_step_count(session)
    type(c_ptr), intent(in) :: session
    hearth_step_count = c_step_count(session)
  end function

  ! This process's rank among the program's ranks (0-based, as MPI's) and their number.
  integer function hearth_world(session, rank, size) result(status)
    type(c_ptr), intent(in) :: session
    integer, intent(out) :: rank, size
    integer(c_int32_t) :: r, n
    status = c_world(session, r, n)
    rank = int(r)
    size = int(n)
  end function

  function hearth_run_folder(session) result(folder)
    type(c_ptr), intent(in) :: session
    character(len=:), allocatable :: folder
    folder = f_text(c_run_folder(session))
  end function

  integer function hearth_close(session) result(status)
    type(c_ptr), intent(inout) :: session
    status = c_close(session)
    session = c_null_ptr
  end function

  function hearth_last_error() result(message)
    character(len=:), allocatable :: message
    message = f_text(c_last_error())
  end function

end module hearth_f
